"""The one SPARQL text scanner: what is code and what is a comment, string or IRI."""

from msp_graph.sparql_text import code


def kept(text: str) -> str:
    return "".join(c for _, c in code(text))


def test_comments_strings_and_iris_are_not_code():
    assert kept('SELECT ?s # a { comment\nWHERE { ?s <urn:x> "}" }') == "SELECT ?s \nWHERE { ?s   }"
    assert kept("ASK { ?s ?p '''{\n}''' }") == "ASK { ?s ?p  }"


def test_less_than_operator_is_code_and_unterminated_string_runs_to_the_end():
    assert kept("FILTER(?a < ?b)") == "FILTER(?a < ?b)"
    assert kept('ASK { ?s ?p "open { }') == "ASK { ?s ?p "


def test_indexes_point_into_the_text():
    text = '"x" { }'
    assert [(i, text[i]) for i, _ in code(text)] == list(code(text))


def test_without_comments_keeps_strings_and_iris_and_drops_comments():
    from msp_graph.sparql_text import without_comments

    text = 'PREFIX ex: <urn:x#>\n# it was loaded\nSELECT ("#1" AS ?n) WHERE { ?s ex:p ?o } # end'
    assert without_comments(text) == 'PREFIX ex: <urn:x#>\n\nSELECT ("#1" AS ?n) WHERE { ?s ex:p ?o } '
