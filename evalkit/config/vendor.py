"""Schema of ``vendors/*.yaml``: one endpoint, how to reach it, and what the vendor declares."""

from __future__ import annotations

import os
import re
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from ..i18n import tr
from .criteria import ID_PATTERN, Strict
from .generation import Generation

ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
# Shapes of real API keys; a value like this in a vendor file is a leaked secret.
_KEY_ALTERNATIVES = (
    r"sk-[A-Za-z0-9_\-]{12,}|sk_[A-Za-z0-9_\-]{12,}|xai-[A-Za-z0-9]{12,}|AIza[0-9A-Za-z_\-]{20,}"
    r"|gsk_[A-Za-z0-9]{12,}|hf_[A-Za-z0-9]{12,}|Bearer\s+\S{8,}"
)
KEY_SHAPES = re.compile(rf"^({_KEY_ALTERNATIVES})$")
# The same shapes inside a longer value (a name, a note, a URL): the key is still in the file.
KEY_INSIDE = re.compile(rf"(?<![A-Za-z0-9])({_KEY_ALTERNATIVES})")
# Query parameters that carry a credential (…/v1?api_key=…, &token=…).
CREDENTIAL_PARAMS = re.compile(
    r"^(api[_\-]?key|apikey|key|token|access[_\-]?token|auth|authorization|secret|client[_\-]?secret"
    r"|password|passwd|pwd|sig|signature|x-api-key)$",
    re.I,
)


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be an endpoint URL (None when it can). ``${VAR}`` references are read as
    placeholders; the value of a variable is checked when the run resolves it."""
    from urllib.parse import parse_qsl, urlsplit

    shown = ENV_REF.sub("x", url)
    if re.search(r"\s", url):
        return tr("URL に空白や改行は入れられません", "a URL cannot contain spaces or line breaks")
    if not shown.startswith(("http://", "https://")) and not ENV_REF.match(url):
        return tr("http(s) の URL か ${ENV_VAR} にしてください", "expected an http(s) URL or ${ENV_VAR}")
    if not shown.startswith(("http://", "https://")):
        return None  # the whole URL comes from the environment
    parts = urlsplit(shown)
    if "@" in parts.netloc:
        return tr(
            "URL に認証情報（user:password@ や token@）は入れられません。api_key_env を使ってください",
            "credentials in the URL (user:password@ or token@) are not allowed; use api_key_env",
        )
    if not parts.hostname:
        return tr("URL にホスト名がありません", "the URL names no host")
    try:
        port = parts.port
    except ValueError:
        return tr(
            "URL のポートは 1 から 65535 までの数にしてください", "the URL's port must be a number from 1 to 65535"
        )
    if port is not None and not 1 <= port <= 65535:
        return tr(
            "URL のポートは 1 から 65535 までの数にしてください", "the URL's port must be a number from 1 to 65535"
        )
    for name, _ in parse_qsl(parts.query, keep_blank_values=True):
        if CREDENTIAL_PARAMS.match(name):
            return tr(
                f"URL のクエリに認証情報（'{name}='）があります。キーは api_key_env で指定してください",
                f"the URL carries a credential in its query ('{name}='); keep keys in api_key_env",
            )
    if KEY_INSIDE.search(url):
        return tr(
            "URL に API キーらしい値があります。キーは api_key_env で指定してください",
            "the URL contains what looks like an API key; keep keys in api_key_env",
        )
    return None


class Evidence(Strict):
    """Where an attestation answer can be checked: a document (and the page or section), or a URL."""

    document: str | None = Field(
        default=None, min_length=1, description="Title or number of the document, e.g. 'セキュリティ仕様書 第2版'."
    )
    url: str | None = Field(default=None, min_length=1, description="Where the document or statement is published.")
    page: str | None = Field(default=None, min_length=1, description="Page, section or clause, e.g. 'p.12' or '3.2節'.")

    @model_validator(mode="after")
    def _names_something(self) -> Evidence:
        if not self.document and not self.url:
            raise ValueError(tr("evidence には document か url が必要です", "evidence needs a document or a url"))
        return self


class Attestation(Strict):
    """What the vendor declares about the parts of the call no prompt can test.

    Every answer is optional here: a missing answer is shown as 未回答, never assumed.
    """

    deployment: Literal["government_cloud", "commercial_cloud", "on_premises", "other"] | None = Field(
        default=None, description="Where inference runs (ガバメントクラウド = government_cloud)."
    )
    cloud_service: str | None = Field(default=None, description="Cloud service and region, e.g. 'AWS 東京リージョン'.")
    data_residency: Literal["japan", "overseas", "mixed"] | None = Field(
        default=None, description="Where prompts, outputs and logs are stored and processed."
    )
    trains_on_inputs: bool | None = Field(default=None, description="Whether inputs/outputs are used for training.")
    log_retention_days: int | None = Field(default=None, ge=0, description="How long request logs are kept.")
    log_access: str | None = Field(default=None, description="Who can access logs, under what control.")
    ismap_listed: bool | None = Field(default=None, description="Whether the cloud service is ISMAP-listed.")
    incident_reporting: bool | None = Field(default=None, description="Whether incidents are reported to the Agency.")
    domestic_development: bool | None = Field(default=None, description="Developed in Japan by a domestic entity.")
    provenance: Literal["original", "derivative"] | None = Field(
        default=None, description="Trained from scratch (original) or derived from a base model."
    )
    base_model: str | None = Field(default=None, description="Base model when derivative, e.g. 'Llama 3.1 70B'.")
    license_free_trial: bool | None = Field(default=None, description="Free of charge during the trial year.")
    license_terms: str | None = Field(
        default=None, description="Licence name and terms, including what applies after the trial year."
    )
    publication_consent: bool | None = Field(default=None, description="Agrees to publication of part of the results.")
    training_data_compliance: str | None = Field(
        default=None,
        description="How the training data was collected and used in compliance with the law "
        "(著作権法, 個人情報保護法, terms of sources): the process, not a yes.",
    )
    ministry_inference: bool | None = Field(
        default=None,
        description="Provides inference to staff of the related ministries and agencies (関係府省庁) "
        "under the same conditions.",
    )
    optimization_support: bool | None = Field(
        default=None, description="Provides technical support for performance optimisation during the trial."
    )
    development_team: str | None = Field(
        default=None, description="Development organisation: who develops and maintains the model, where, how many."
    )
    safety_measures: str | None = Field(
        default=None,
        description="The hallucination, bias and harmful-content countermeasures and where they are documented.",
    )
    evidence: dict[str, list[Evidence]] = Field(
        default_factory=dict,
        description="Per attestation field, where the answer can be checked (document and page, or URL).",
    )
    notes: str | None = None

    @model_validator(mode="after")
    def _evidence_fields(self) -> Attestation:
        known = set(type(self).model_fields) - {"evidence", "notes"}
        for name in self.evidence:
            if name not in known:
                raise ValueError(
                    tr(
                        f"evidence の '{name}' という申告項目はありません",
                        f"evidence for unknown attestation field '{name}'",
                    )
                )
        return self


# Every float below must be finite (allow_inf_nan=False): YAML reads `.inf`/`.nan` (and 1e400) as
# floats, and an infinite timeout, rate or delay passes the bounds only to break the run later.


class RateLimits(Strict):
    """Limits the vendor agreed to; the scheduler never exceeds them."""

    requests_per_minute: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    tokens_per_minute: float | None = Field(
        default=None, gt=0, allow_inf_nan=False, description="Prompt + max completion tokens, estimated before sending."
    )


class Pricing(Strict):
    input_per_1k: float = Field(ge=0, allow_inf_nan=False, description="Price per 1,000 prompt tokens.")
    output_per_1k: float = Field(ge=0, allow_inf_nan=False, description="Price per 1,000 completion tokens.")
    currency: str = Field(default="JPY")


class Faults(Strict):
    """Fault injection for the embedded endpoint (tests and benchmarks); fractions of requests."""

    latency_ms: float = Field(default=0, ge=0, allow_inf_nan=False, description="Fixed latency added to every answer.")
    first_token_ms: float = Field(
        default=0,
        ge=0,
        allow_inf_nan=False,
        description="Streamed answers: the wait before the first token (after latency_ms).",
    )
    tokens_per_s: float | None = Field(
        default=None,
        gt=0,
        allow_inf_nan=False,
        description="Streamed answers: tokens sent per second after the first; default all at once.",
    )
    rate_429: float = Field(default=0, ge=0, le=1, allow_inf_nan=False)
    retry_after_s: float = Field(default=1, ge=0, allow_inf_nan=False, description="Retry-After sent with a 429.")
    rate_500: float = Field(default=0, ge=0, le=1, allow_inf_nan=False)
    rate_503: float = Field(default=0, ge=0, le=1, allow_inf_nan=False)
    rate_hang: float = Field(
        default=0, ge=0, le=1, allow_inf_nan=False, description="Never answer (until the client gives up)."
    )
    rate_malformed: float = Field(
        default=0, ge=0, le=1, allow_inf_nan=False, description="200 with a body that is not JSON."
    )
    rate_empty: float = Field(default=0, ge=0, le=1, allow_inf_nan=False, description="200 with no choices.")
    rate_drop: float = Field(
        default=0, ge=0, le=1, allow_inf_nan=False, description="Close the connection without an answer."
    )
    seed: int | None = Field(default=None, description="Seed of the fault draw, for repeatable runs.")

    @model_validator(mode="after")
    def _total(self) -> Faults:
        total = (
            self.rate_429
            + self.rate_500
            + self.rate_503
            + self.rate_hang
            + self.rate_malformed
            + self.rate_empty
            + self.rate_drop
        )
        if total > 1:
            raise ValueError(
                tr(
                    f"障害注入の割合の合計が {total:g} で、1 を超えています",
                    f"fault rates add up to {total:g}, more than 1",
                )
            )
        return self


class Vendor(Strict):
    id: str = Field(pattern=ID_PATTERN, description="Stable id used on the command line and in the store.")
    name: str = Field(description="Display name in the report.")
    category: Literal["domestic", "foreign", "baseline", "judge"] = Field(
        default="domestic",
        description="domestic candidate, foreign reference model (benchmark), baseline (embedded), "
        "or judge (never evaluated by default; used with --judge).",
    )
    provider: Literal["openai", "reference"] = Field(
        description="openai: any OpenAI-compatible endpoint; reference: the embedded endpoint."
    )
    base_url: str | None = Field(default=None, description="Endpoint URL, e.g. https://host/v1; may use ${ENV_VAR}.")
    model: str = Field(
        description="Model name sent in each request (for reference: oracle, refuse, echo, judge; "
        "with :think or :reasoning_content, the same model answering as a reasoning model)."
    )
    api_key_env: str | None = Field(
        default=None, pattern=ENV_NAME, description="NAME of the environment variable holding the key (never the key)."
    )
    concurrency: int = Field(default=8, ge=1, le=1024, description="Requests in flight at once.")
    timeout: float = Field(default=120.0, gt=0, allow_inf_nan=False, description="Per-request timeout in seconds.")
    stream: bool = Field(
        default=False,
        description="Ask for streamed answers (server-sent events): time to first token, inter-token "
        "latency and output tokens per second are recorded per request.",
    )
    tools: bool = Field(
        default=True,
        description="The deployment supports tool calling (OpenAI tools / function calling). false: suites that "
        "declare tools are not sent to this vendor and show 対象外 (not applicable), not failures.",
    )
    max_retries: int = Field(
        default=5, ge=0, le=50, description="Retries for transient errors (429, 5xx, timeouts...)."
    )
    rate_limits: RateLimits = Field(default_factory=RateLimits)
    pricing: Pricing | None = Field(default=None, description="Optional price, for cost accounting.")
    faults: Faults | None = Field(default=None, description="Fault injection; provider 'reference' only.")
    generation: Generation = Field(default_factory=Generation, description="Overrides of suite defaults.")
    publish: bool = Field(default=False, description="Vendor agreed to publication of its results.")
    attestation: Attestation = Field(default_factory=Attestation)

    @field_validator("base_url")
    @classmethod
    def _url_shape(cls, value: str | None) -> str | None:
        if value is None:
            return value
        problem = url_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("model")
    @classmethod
    def _reference_model(cls, value: str, info: ValidationInfo) -> str:
        """(A field check, so the error points at the model's line; provider is read before it.)"""
        if info.data.get("provider") == "reference" and not is_reference_model(value):
            models, styles = ", ".join(REFERENCE_MODELS), ", ".join(f":{s}" for s in REASONING_STYLES)
            raise ValueError(
                tr(
                    f"参照エンドポイントの model は {models} のいずれか"
                    f"（推論モデルとしては末尾に {styles} のどれか）にしてください",
                    f"reference model must be one of {models} (a reasoning model: followed by one of {styles})",
                )
            )
        return value

    @model_validator(mode="after")
    def _provider_fields(self) -> Vendor:
        if self.provider == "openai" and not self.base_url:
            raise ValueError(tr("provider 'openai' には base_url が必要です", "provider 'openai' needs base_url"))
        if self.faults is not None and self.provider != "reference":
            raise ValueError(
                tr(
                    "障害注入は組込みの参照エンドポイント（provider: reference）にしか使えません",
                    "faults can only be injected into the embedded endpoint (provider: reference)",
                )
            )
        return self

    def env_names(self) -> list[str]:
        names = ENV_REF.findall(self.base_url or "")
        return names + ([self.api_key_env] if self.api_key_env else [])

    def missing_env(self) -> list[str]:
        return [name for name in self.env_names() if not os.environ.get(name)]

    def resolved_base_url(self) -> str | None:
        """The URL with its ``${VAR}`` references filled in from the environment. A value that brings
        credentials or a malformed URL is an error that names the variables, never the value."""
        if self.base_url is None:
            return None
        url = ENV_REF.sub(lambda m: os.environ.get(m.group(1), ""), self.base_url)
        if url != self.base_url:
            problem = url_problem(url)
            if problem:
                from ..errors import UsageError

                names = ", ".join(ENV_REF.findall(self.base_url))
                raise UsageError(
                    tr(
                        f"ベンダー '{self.id}': {names} から得た base_url: {problem}",
                        f"vendor '{self.id}': base_url from {names}: {problem}",
                    )
                )
        return url


REFERENCE_MODELS = ("oracle", "refuse", "echo", "judge")
# A reference model that also "thinks" (restating the messages it got, as reasoning models do):
# ``oracle:think`` puts it in a <think> block before the answer, ``oracle:reasoning_content`` in the
# message field of that name (evalkit/providers/reasoning.py reads both).
REASONING_STYLES = ("think", "reasoning_content")


def reference_base(model: str) -> str:
    """The behaviour of a reference model: ``oracle`` for ``oracle:think``."""
    return model.split(":", 1)[0]


def is_reference_model(model: str) -> bool:
    base, _, style = model.partition(":")
    return base in REFERENCE_MODELS and (not style or style in REASONING_STYLES)


def looks_like_secret(value: object) -> bool:
    """A literal API key, alone or inside a longer value (a name, a note, a URL)."""
    return isinstance(value, str) and bool(KEY_SHAPES.match(value.strip()) or KEY_INSIDE.search(value))
