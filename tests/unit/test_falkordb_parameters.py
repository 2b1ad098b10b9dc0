from slo_engine.adapters.graph.falkordb_parameters import parameter_header


def test_map_keys_become_bare_identifiers_and_strings_keep_json_escapes() -> None:
    header = parameter_header({"rows": [{"id": 'say "hi"\n', "n": None}], "now": 5})
    assert header == b'CYPHER rows=[{id:"say \\"hi\\"\\n",n:null}] now=5 '


def test_text_that_only_looks_like_a_key_is_left_alone() -> None:
    header = parameter_header({"note": '{"k": 1}, "j": 2'})
    assert header == b'CYPHER note="{\\"k\\": 1}, \\"j\\": 2" '


def test_control_characters_fall_back_to_the_client_serialiser() -> None:
    assert parameter_header({"text": "bell \x07"}) is None


def test_a_key_that_is_not_an_identifier_falls_back() -> None:
    assert parameter_header({"row": {"my-key": 1}}) is None
