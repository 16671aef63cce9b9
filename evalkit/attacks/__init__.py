"""`evalkit attacks`: attack items prepared from seed requests before a test (docs/attacks.md).

``transforms.py`` the deterministic transforms, ``prepare.py`` the attack suite built from a seed suite,
``attacker.py`` the optional attacker model (through the runner), ``commands.py`` the verb.
"""
