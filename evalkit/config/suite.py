"""Schema of a suite file: prompt template, generation defaults, scorers and items."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator

from ..i18n import tr
from .criteria import ID_PATTERN, Strict
from .generation import Generation

ITEM_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
# An item id as written, optionally followed by ~<variant> on an item derived by a suite's ``variants``.
DERIVED_ITEM_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*(~[a-z_]+[0-9]*)?$"
VERSION_PATTERN = r"^\d+(\.\d+){0,2}([.\-+][0-9A-Za-z.\-]+)?$"


class ScorerSpec(Strict):
    kind: str = Field(description="A registered scorer kind, e.g. exact, contains, choice, refusal.")
    params: dict[str, Any] = Field(default_factory=dict, description="Kind-specific parameters.")
    weight: float = Field(default=1.0, ge=0, description="Weight of this scorer in the item score.")


class ProbeCall(Strict):
    """A tool call in a probe's answer."""

    name: str = Field(min_length=1, description="The tool called.")
    arguments: dict[str, Any] | str = Field(
        default_factory=dict, description="Its arguments: an object, or the exact string a model sent."
    )

    def stored(self) -> dict[str, str]:
        arguments = (
            self.arguments if isinstance(self.arguments, str) else json.dumps(self.arguments, ensure_ascii=False)
        )
        return {"name": self.name, "arguments": arguments}


class Probe(Strict):
    """A known answer and the verdict the item's scoring must give it: a unit test of the item.

    Probes are realistic replies of a capable model (good ones and the ways a bad one goes wrong).
    ``evalkit validate --self-check`` scores each with the item's scorers; they are never sent to a
    vendor, and a sealed suite keeps them sealed."""

    expect: Literal["pass", "fail"] = Field(description="The verdict the item's scoring must give this answer.")
    text: str | None = Field(default=None, min_length=1, description="The answer, as a model would write it.")
    replies: list[str] | None = Field(
        default=None,
        min_length=1,
        description="A conversation item's probe: the model's reply to each of its turns, in order (instead of text).",
    )
    tool_calls: list[ProbeCall] | None = Field(
        default=None, description="The tool calls the answer makes (with or without text; suites with tools)."
    )
    why: str | None = Field(default=None, description="What makes it good or bad (the family of failure).")

    @model_validator(mode="after")
    def _one_answer(self) -> Probe:
        if self.replies is not None and (self.text is not None or self.tool_calls is not None):
            raise ValueError(
                tr(
                    "text（1 問の回答）か replies（会話の各応答）のどちらか一方を書いてください",
                    "give text (one answer) or replies (a conversation's replies), not both",
                )
            )
        if self.replies is None and self.text is None and self.tool_calls is None:
            raise ValueError(
                tr(
                    "text（回答）、tool_calls（ツール呼び出し）又は replies（会話の各応答）を書いてください",
                    "give text (the answer), tool_calls or replies (a conversation's replies)",
                )
            )
        return self

    def answers(self) -> list[str]:
        """The replies of the probe, in order (one for a single-message item)."""
        return list(self.replies) if self.replies is not None else [self.text or ""]

    def calls(self) -> list[str | None]:
        """The tool calls of each reply, as the store keeps them (JSON text, None: none)."""
        if not self.tool_calls:
            return []
        return [json.dumps([c.stored() for c in self.tool_calls], ensure_ascii=False)]


class Document(Strict):
    """A passage the model is given with the question (a retrieval result), from the suite file or a
    text file next to it."""

    title: str = Field(min_length=1, description="The passage's title, shown with it.")
    text: str | None = Field(default=None, description="The passage itself (or file, which wins when both are given).")
    file: str | None = Field(
        default=None,
        description="A UTF-8 text file holding the passage, relative to the suite file's folder (open suites only).",
    )
    source: str | None = Field(default=None, description="Where it comes from (出典, URL), shown with it.")

    @model_validator(mode="after")
    def _a_body(self) -> Document:
        # (a stored suite holds both: the loader fills text in from the file)
        if self.text is None and self.file is None:
            raise ValueError(tr("text か file を書いてください", "give text or file"))
        return self

    def shown(self) -> dict[str, str]:
        """The passage as the model sees it (a tool result's fields; what scorers count as shown)."""
        out = {"title": self.title, "text": self.text or ""}
        return {**out, "source": self.source} if self.source else out


class Turn(Strict):
    """One message of a conversation item: a user message (a template over the item's vars) the model
    answers, or a fixed assistant reply written into the history (many-shot and staged attacks)."""

    user: str | None = Field(default=None, description="Jinja2 template of a user message (StrictUndefined).")
    assistant: str | None = Field(
        default=None, description="A fixed assistant reply placed in the history (the model is not asked here)."
    )
    scorers: list[ScorerSpec] = Field(
        default_factory=list,
        description="Scorers of the model's reply to this user message (the item's own score the last reply).",
    )

    @model_validator(mode="after")
    def _one_role(self) -> Turn:
        if (self.user is None) == (self.assistant is None):
            raise ValueError(tr("user か assistant のどちらか一方を書いてください", "give user or assistant, not both"))
        if self.assistant is not None and self.scorers:
            raise ValueError(
                tr(
                    "scorers は user の発話に付けてください（固定の assistant 発話は採点しません）",
                    "scorers belong to a user message (a fixed assistant reply is not scored)",
                )
            )
        return self


class Tool(Strict):
    """A function the model may call (OpenAI ``tools``): declared in every request of the suite."""

    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="The function's name, as the model calls it.")
    description: str = Field(min_length=1, description="What it does (the model reads this to choose).")
    parameters: dict[str, Any] = Field(
        default_factory=lambda: {"type": "object", "properties": {}},
        description="JSON Schema of its arguments (an object); the tool_call scorer checks calls against it.",
    )

    @field_validator("parameters")
    @classmethod
    def _a_schema(cls, value: dict[str, Any]) -> dict[str, Any]:
        from jsonschema import Draft202012Validator
        from jsonschema.exceptions import SchemaError

        try:
            Draft202012Validator.check_schema(value)
        except SchemaError as exc:
            raise ValueError(
                tr(f"JSON Schema ではありません: {exc.message}", f"not a JSON Schema: {exc.message}")
            ) from None
        if value.get("type") != "object":
            raise ValueError(tr("引数は object 型にしてください", "the arguments must be of type object"))
        return value

    def declaration(self) -> dict[str, Any]:
        """The tool as a request declares it."""
        function = {"name": self.name, "description": self.description, "parameters": self.parameters}
        return {"type": "function", "function": function}


TransformName = Literal["option_order", "width", "kana", "keigo", "typos", "distractor", "paraphrase"]
TRANSFORMS: tuple[str, ...] = ("option_order", "width", "kana", "keigo", "typos", "distractor", "paraphrase")


class VariantSpec(Strict):
    """A transform deriving a variant of every item (evalkit/data/variants.py; docs/suites.md「表現の揺れ」)."""

    transform: TransformName = Field(
        description="option_order (shuffle a choice item's options, reference remapped), width (全角/半角), "
        "kana (kanji/katakana written in hiragana or katakana), keigo (sentence endings plain/polite/honorific), "
        "typos (kana-input slips at rate), distractor (irrelevant context added), paraphrase (the item's "
        "paraphrases, one variant each)."
    )
    seed: int = Field(default=0, description="Seed of the transform's random choices (recorded on the variant).")
    to: str | None = Field(
        default=None,
        description="width: half (default) or full; kana: hiragana (default) or katakana; keigo: plain (default), "
        "polite or honorific.",
    )
    rate: float | None = Field(
        default=None,
        gt=0,
        le=1,
        description="typos: share of eligible characters slipped (default 0.03); kana: "
        "share of words respelled (default 1).",
    )
    text: str | None = Field(
        default=None, min_length=1, description="distractor: the irrelevant text added (default: one of a fixed list)."
    )
    vars: list[str] | None = Field(
        default=None,
        description="The item variables transformed (default: every text variable but a choice item's options; "
        "paraphrase and distractor: question, else the first text variable).",
    )
    name: str | None = Field(
        default=None,
        pattern=r"^[a-z_]+$",
        description="The id suffix (<item>~<name>); default the transform's name. Two variants of one transform "
        "need different names.",
    )

    @model_validator(mode="after")
    def _params(self) -> VariantSpec:
        allowed = {
            "width": ("half", "full"),
            "kana": ("hiragana", "katakana"),
            "keigo": ("plain", "polite", "honorific"),
        }
        if self.to is not None:
            if self.transform not in allowed:
                raise ValueError(
                    tr(f"'to' は {self.transform} には使えません", f"'to' is not a {self.transform} parameter")
                )
            if self.to not in allowed[self.transform]:
                choices = ", ".join(allowed[self.transform])
                raise ValueError(tr(f"'to' は {choices} のいずれかです", f"'to' must be one of {choices}"))
        if self.rate is not None and self.transform not in ("typos", "kana"):
            raise ValueError(
                tr(f"'rate' は {self.transform} には使えません", f"'rate' is not a {self.transform} parameter")
            )
        if self.text is not None and self.transform != "distractor":
            raise ValueError(
                tr(f"'text' は {self.transform} には使えません", f"'text' is not a {self.transform} parameter")
            )
        return self

    @property
    def suffix(self) -> str:
        return self.name or self.transform


class Item(Strict):
    id: str = Field(pattern=DERIVED_ITEM_ID_PATTERN, description="Stable id, unique within the suite.")
    tags: list[str] = Field(default_factory=list, description="Category, difficulty, ... for breakdowns.")
    vars: dict[str, Any] = Field(default_factory=dict, description="Template variables.")
    reference: str | list[str] | None = Field(
        default=None, description="Correct answer, or accepted answers (first is canonical)."
    )
    expect: Literal["decline", "answer"] | None = Field(
        default=None, description="For refusal scoring: must the model decline or answer?"
    )
    meta: dict[str, Any] = Field(
        default_factory=dict,
        description="Data for scorers and analysis that is not sent to models (e.g. bias target, rubric).",
    )
    critical: bool = Field(default=False, description="A failure here counts against gates.")
    scorers: list[ScorerSpec] | None = Field(default=None, description="Replaces the suite's scorers for this item.")
    note: str | None = Field(default=None, description="Why the item exists; not sent to models.")
    provenance: dict[str, Any] | None = Field(
        default=None,
        description="Where a generated item comes from (evalkit attacks: seed item and suite, transform, seed "
        "number, attacker model, evalkit version, date); not sent to models.",
    )
    probes: list[Probe] = Field(
        default_factory=list,
        description="Known answers with the verdict each must get (never sent to models); checked by "
        "validate --self-check.",
    )
    documents: list[Document] = Field(
        default_factory=list,
        description="Passages given with the question (retrieval results; one may be poisoned), as the "
        "suite's documents_as says. Templates and scorers see them as the variable `documents`.",
    )
    turns: list[Turn] = Field(
        default_factory=list,
        description="A conversation instead of one prompt: user messages the model answers turn by turn (its own "
        "replies kept in the history) and fixed assistant replies. The last entry is a user message; a user "
        "message followed by a fixed assistant reply is not sent on its own.",
    )
    variants: list[VariantSpec] | None = Field(
        default=None, description="Replaces the suite's variants for this item ([] derives none)."
    )
    paraphrases: list[str] = Field(
        default_factory=list,
        description="Other wordings of the question (of the variable the paraphrase variant names), one variant "
        "each when the suite declares {transform: paraphrase}; never sent otherwise.",
    )
    variant_of: str | None = Field(
        default=None,
        description="Set by evalkit on a derived item (never in a suite file): the id of the item it derives from.",
    )
    variant: dict[str, Any] | None = Field(
        default=None,
        description="Set by evalkit on a derived item: the transform, its parameters and seed.",
    )

    @field_validator("turns")
    @classmethod
    def _conversation(cls, turns: list[Turn]) -> list[Turn]:
        if turns and turns[-1].user is None:
            raise ValueError(tr("会話の最後は user の発話にしてください", "a conversation ends with a user message"))
        for before, after in zip(turns, turns[1:], strict=False):
            if before.user is not None and before.scorers and after.assistant is not None:
                raise ValueError(
                    tr(
                        "固定の assistant 発話が続く user の発話には応答がないため scorers を付けられません",
                        "a user message followed by a fixed assistant reply gets no reply: it cannot have scorers",
                    )
                )
        return turns

    @model_validator(mode="after")
    def _no_documents(self) -> Item:
        if self.turns and self.documents:
            raise ValueError(
                tr("会話の設問には documents を付けられません", "a conversation item cannot have documents")
            )
        return self

    def model_turns(self) -> list[int]:
        """Indexes (into ``turns``) of the user messages the model answers, in order."""
        return [
            i
            for i, t in enumerate(self.turns)
            if t.user is not None and (i + 1 == len(self.turns) or self.turns[i + 1].user is not None)
        ]

    @model_validator(mode="after")
    def _documents_var(self) -> Item:
        if self.documents and "documents" in self.vars:
            raise ValueError(
                tr(
                    "documents がある設問では vars.documents は使えません（本文の資料の変数名です）",
                    "vars.documents cannot be used with documents (it is the passages' variable)",
                )
            )
        return self

    def documents_block(self) -> str:
        """The documents as the 【検索結果】 block of a prompt: [資料1] title (source), its text, ..."""
        parts = ["【検索結果】"]
        for n, d in enumerate(self.documents, 1):
            head = f"[資料{n}] {d.title}" + (f"（{d.source}）" if d.source else "")
            parts.append(f"{head}\n{(d.text or '').strip()}")
        return "\n\n".join(parts)

    def template_vars(self) -> dict[str, Any]:
        """The variables the prompt templates are rendered with: the vars, and ``documents`` (the block)."""
        return {**self.vars, "documents": self.documents_block()} if self.documents else self.vars

    def shown_vars(self) -> dict[str, Any]:
        """What the model is shown besides the suite's templates: the vars, the documents as ``documents``
        and a conversation's messages as ``turns`` (scorers that compare an answer with what it was shown
        read this: what the user said is no leak; the near-duplicate check compares it)."""
        if not self.documents and not self.turns:
            return self.vars
        shown = dict(self.vars)
        if self.documents:
            shown["documents"] = [d.shown() for d in self.documents]
        if self.turns and "turns" not in shown:
            shown["turns"] = [t.user if t.user is not None else t.assistant for t in self.turns]
        return shown

    def references(self) -> list[str]:
        if self.reference is None:
            return []
        return [self.reference] if isinstance(self.reference, str) else list(self.reference)


SourceKind = Literal["jsonl", "csv", "json", "parquet", "hf"]
SOURCE_KINDS = ("jsonl", "csv", "json", "parquet", "hf")
SOURCE_SUFFIXES: dict[str, SourceKind] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "csv",
    ".json": "json",
    ".parquet": "parquet",
}
SOURCE_PRESETS = ("jbbq", "aisev")
# Item fields a source mapping can fill; vars.<name> and meta.<key> name one variable / meta key.
MAPPING_TARGETS = ("reference", "tags", "expect", "critical", "note", "scorers")


class SampleSpec(Strict):
    n: int = Field(ge=1, description="Number of records to keep.")
    seed: int = Field(default=0, description="Seed: the same seed keeps the same records on every run.")


class Source(Strict):
    """Where a suite's items come from besides its inline ``items`` (read when the suite is loaded)."""

    kind: SourceKind | None = Field(
        default=None,
        description="File format, or hf for Hugging Face datasets.load_dataset. "
        "Default: from the suffix of path (.jsonl .csv .tsv .json .parquet).",
    )
    path: str | None = Field(
        default=None,
        description="File (relative to the suite file; ${VAR} and ${VAR:-default} are expanded; "
        "* globs join several files), or for hf a hub id or local dataset folder.",
    )
    records: str | None = Field(default=None, description="json: dotted path to the list of records, e.g. samples.")
    name: str | None = Field(default=None, description="hf: configuration name.")
    split: str | None = Field(default=None, description="hf: split (default: the only split, else required).")
    revision: str | None = Field(default=None, description="hf: hub revision (commit, tag or branch).")
    data_files: str | list[str] | dict[str, str | list[str]] | None = Field(
        default=None, description="hf: local data files (relative to the suite file), as for load_dataset."
    )
    delimiter: str | None = Field(default=None, description="csv: field delimiter (default , or tab for .tsv).")
    encoding: str = Field(default="utf-8", description="Text encoding of jsonl/csv/json files.")
    preset: Literal["jbbq", "aisev"] | None = Field(
        default=None,
        description="Record format with derived fields and a default mapping: jbbq (BBQ/JBBQ "
        "bias questions for the bias scorer) or aisev (Japan AISI aisev CSV rows).",
    )
    mapping: dict[str, Any] = Field(
        default_factory=dict,
        description="Item field -> Jinja2 template over the record: vars.<name>, meta.<key>, reference, tags, "
        "expect, critical, note, scorers. A value that is one {{ expression }} keeps its type "
        "(list, number); other strings render as text. Without any vars.* entry every field of the "
        "record is a variable.",
    )
    id: str | None = Field(
        default=None,
        min_length=1,
        description="Item id: a field name or a template. Default: r- + a hash of the record's content.",
    )
    filter: str | None = Field(
        default=None, min_length=1, description="Jinja2 boolean expression over the record; false drops it."
    )
    sample: SampleSpec | None = Field(default=None, description="Keep n records chosen by a seeded hash.")
    limit: int | None = Field(default=None, ge=1, description="Keep at most this many items (after sample).")
    optional: bool = Field(
        default=False,
        description="When the data is absent (file not found, hub unreachable and not cached), "
        "skip the suite with a notice instead of failing.",
    )

    @field_validator("mapping")
    @classmethod
    def _targets(cls, value: dict[str, Any]) -> dict[str, Any]:
        for key in value:
            head, _, rest = key.partition(".")
            if head in ("vars", "meta") and rest:
                continue
            if key in MAPPING_TARGETS:
                continue
            import difflib

            close = difflib.get_close_matches(key, [*MAPPING_TARGETS, "vars.", "meta."], n=1, cutoff=0.6)
            hint = tr(f"（'{close[0]}' の誤りではありませんか）", f" (did you mean '{close[0]}'?)") if close else ""
            targets = ", ".join(MAPPING_TARGETS)
            raise ValueError(
                tr(
                    f"'{key}' には対応付けられません{hint}。対応先は vars.<name>, meta.<key>, {targets} です",
                    f"cannot map onto '{key}'{hint}; targets are vars.<name>, meta.<key>, {targets}",
                )
            )
        return value

    @model_validator(mode="after")
    def _kind(self) -> Source:
        if self.kind is None:
            suffix = "." + (self.path or "").rsplit(".", 1)[-1].lower() if self.path and "." in self.path else ""
            if suffix not in SOURCE_SUFFIXES:
                raise ValueError(
                    tr(
                        "kind に jsonl, csv, json, parquet 又は hf を指定してください（パスからは判断できません）",
                        "set kind: jsonl, csv, json, parquet or hf (it cannot be told from the path)",
                    )
                )
            self.kind = SOURCE_SUFFIXES[suffix]
        if self.kind != "hf":
            if not self.path:
                raise ValueError(tr(f"kind {self.kind} には path が必要です", f"kind {self.kind} needs path"))
            for name in ("name", "split", "revision", "data_files"):
                if getattr(self, name) is not None:
                    raise ValueError(tr(f"'{name}' は kind hf でのみ使えます", f"'{name}' is only for kind hf"))
        elif not self.path and self.data_files is None:
            raise ValueError(
                tr(
                    "kind hf には path（Hub の id 又はローカルのフォルダ）か data_files が必要です",
                    "kind hf needs path (a hub id or local folder) or data_files",
                )
            )
        if self.records is not None and self.kind != "json":
            raise ValueError(tr("'records' は kind json でのみ使えます", "'records' is only for kind json"))
        if self.delimiter is not None and self.kind != "csv":
            raise ValueError(tr("'delimiter' は kind csv でのみ使えます", "'delimiter' is only for kind csv"))
        return self


class VersionedFile(Strict):
    """The header shared by suites and attestation questionnaires: identity, version, criterion leaf."""

    schema_version: int = Field(default=1, description="Format version of this file.")
    id: str = Field(pattern=ID_PATTERN, description="Stable id, unique over all files of its kind.")
    version: str = Field(pattern=VERSION_PATTERN, description="Bump on every change of what is evaluated.")
    title: str = Field(description="Japanese title shown in the report.")
    criterion: str = Field(description="Id of the criteria.yaml leaf this file serves.")
    description: str = Field(default="", description="What the file measures and how.")
    canary: str | None = Field(
        default=None, description="Marker string for detecting this file's text in training data."
    )


class Suite(VersionedFile):
    publish: bool = Field(default=True, description="Whether item text may appear in public reports.")
    critical: bool = Field(
        default=False, description="Every failed item of this suite counts as a critical failure against gates."
    )
    weight: float = Field(
        default=1.0,
        ge=0,
        description="Weight of this suite within its criterion leaf (relative to the leaf's other suites). "
        "0 makes it diagnostic: scored and reported, never counted in criterion scores, totals "
        "or score gates (critical failures still count).",
    )
    system_prompt: str | None = Field(default=None, description="Jinja2 template of the system message.")
    prompt: str | None = Field(
        default=None,
        description="Jinja2 template of the user message (StrictUndefined); required unless every item is a "
        "conversation (turns).",
    )
    generation: Generation = Field(default_factory=Generation, description="Default generation parameters.")
    scorers: list[ScorerSpec] = Field(min_length=1, description="How every item is scored.")
    items: list[Item] = Field(default_factory=list, description="Inline items.")
    source: Source | None = Field(
        default=None,
        description="Items from a data file or Hugging Face dataset, added after the inline items "
        "when the suite is loaded (ids must be unique over both).",
    )
    attribution: str | None = Field(
        default=None,
        description="Credit line for the data the suite uses (shown in the report), "
        "e.g. 出典：デジタル庁「…」、PDL1.0.",
    )
    documents_as: Literal["context", "tool"] = Field(
        default="context",
        description="How items' documents reach the model: context — a 【検索結果】 block in the user message "
        "(where the prompt writes {{ documents }}, else before it); tool — the result of a search_documents "
        "tool call the assistant made (OpenAI tool messages).",
    )
    tools: list[Tool] = Field(
        default_factory=list,
        description="Functions the model may call (tool calling, tool_choice auto), declared in every request of the "
        "suite; a vendor with tools: false gets 対象外. The tool_call scorer checks the calls of the answer.",
    )
    reasoning_may_leak: bool = Field(
        default=False,
        description="A reasoning model's reasoning (<think> blocks, reasoning_content) may contain what "
        "the answer must not: true only when the deployment neither shows nor keeps it. Default false: "
        "the leak scorers (leak, pii) check the reasoning too, and a secret there fails the item.",
    )
    variants: list[VariantSpec] = Field(
        default_factory=list,
        description="Transforms deriving variants of every item when the suite is loaded (ids <item>~<transform>): "
        "asked like items, scored by the same scorers, weight 0 in every score; reported as consistency "
        "(results['consistency']). An item's own variants replace these.",
    )
    variant_items: list[Item] = Field(
        default_factory=list,
        description="Set by evalkit when the suite is loaded (never in a suite file): the items its variants derived, "
        "asked and scored after its items (evalkit.data.suite_items) and counted in no score.",
    )
    variants_of: str | None = Field(
        default=None,
        pattern=ID_PATTERN,
        description="Id of the suite whose questions this one asks again in another form (e.g. shuffled "
        "options); items are matched by meta.variant_group for order sensitivity.",
    )

    @model_validator(mode="after")
    def _prompt(self) -> Suite:
        if self.prompt is None and (
            self.source is not None or not self.items or any(not it.turns for it in self.items)
        ):
            raise ValueError(
                tr(
                    "prompt がありません（turns を持たない設問やデータソースの設問には必要です）",
                    "prompt is missing (items without turns, and a source's items, need it)",
                )
            )
        return self

    def scorers_for(self, item: Item) -> list[ScorerSpec]:
        """The scorers of ``item``: its own when it has them, else the suite's; then, for a conversation,
        those of each turn (``scored_replies`` says which reply each one reads)."""
        own = item.scorers if item.scorers is not None else self.scorers
        return own + [spec for turn in item.turns for spec in turn.scorers]

    def scored_replies(self, item: Item) -> list[int | None]:
        """For each scorer of ``scorers_for(item)``: the index of the model reply it scores (0 = the reply
        to the first model turn), or None for the last reply (the item's own scorers; a leak scorer
        reads every reply besides). One-message items: all None."""
        own = item.scorers if item.scorers is not None else self.scorers
        out: list[int | None] = [None] * len(own)
        answered = {t: n for n, t in enumerate(item.model_turns())}
        for index, turn in enumerate(item.turns):
            if turn.scorers:  # (only a turn the model answers has them: Item._conversation)
                out += [answered[index]] * len(turn.scorers)
        return out

    # Set when the source is read: provenance of the data and the number of inline items.
    _dataset: dict[str, Any] | None = PrivateAttr(default=None)
