"""The SMS keyword grammar and its replies, without a database: TYPE PLACE free text in rw, fr and en."""

from __future__ import annotations

import pytest

from amahoro.warning.sms import (
    SMS_LIMIT,
    Keyword,
    Outcome,
    Parsed,
    Place,
    PlaceIndex,
    fold,
    keyword_language,
    match_place,
    parse,
    reply_text,
)

PLACES = PlaceIndex(
    [
        Place(1, "43", "Musanze", "district", 3, "/RW/4/43/"),
        Place(2, "4310", "Musanze", "sector", 4, "/RW/4/43/4310/", "Musanze"),
        Place(3, "4308", "Muhoza", "sector", 4, "/RW/4/43/4308/", "Musanze"),
        Place(4, "11100101", "Muhoza", "village", 6, "/RW/1/11/1110/111001/11100101/", "Nyarugenge"),
        Place(5, "1209", "Kimironko", "sector", 4, "/RW/1/12/1209/", "Gasabo"),
        Place(6, "1210", "Remera", "sector", 4, "/RW/1/12/1210/", "Gasabo"),
        Place(7, "5405", "Remera", "sector", 4, "/RW/5/54/5405/", "Gatsibo"),
        Place(8, "2207", "Remera", "sector", 4, "/RW/2/22/2207/", "Nyamagabe"),
        Place(9, "3301", "Remera", "sector", 4, "/RW/3/33/3301/", "Karongi"),
        Place(10, "110301", "Rutagara Ii", "cell", 5, "/RW/1/11/1103/110301/", "Nyarugenge"),
        Place(11, "12", "Gasabo", "district", 3, "/RW/1/12/"),
        Place(12, "5", "Eastern Province", "province", 2, "/RW/5/"),
    ],
    names={5: ("Kimironko", "Kimirónko"), 12: ("Eastern Province", "Province de l'Est", "Iburasirazuba")},
)
KEYWORDS = {
    "GBV": Keyword("gbv", "en"),
    "VIOLENCE": Keyword("gbv", "fr"),
    "IHOHOTERWA": Keyword("gbv", "rw"),
    "MARIAGE": Keyword("early_marriage", "fr"),
    "UBUSHYINGIRWE": Keyword("early_marriage", "rw"),
    "MARRIAGE": Keyword("early_marriage", "en"),
}


def p(text: str) -> Parsed:
    return parse(text, keywords=KEYWORDS, places=PLACES)


def test_fold_ignores_case_accents_and_punctuation() -> None:
    assert fold("Kimirónko,") == "KIMIRONKO"
    assert fold("  ihohoterwa: ") == "IHOHOTERWA"


@pytest.mark.parametrize(
    ("text", "language", "type_code", "code", "description"),
    [
        ("GBV MUSANZE Muhoza umugore yakubiswe", "en", "gbv", "4308", "umugore yakubiswe"),
        ("IHOHOTERWA 4301 umugore yakubiswe n'umugabo", "rw", "gbv", None, ""),
        ("ihohoterwa 4308 umugore yakubiswe n'umugabo", "rw", "gbv", "4308", "umugore yakubiswe n'umugabo"),
        ("VIOLENCE Kimironko une femme a été battue", "fr", "gbv", "1209", "une femme a été battue"),
        ("violence kimirónko, une femme", "fr", "gbv", "1209", "une femme"),
        ("Mariage Gasabo Remera une fille de 15 ans", "fr", "early_marriage", "1210", "une fille de 15 ans"),
        ("UBUSHYINGIRWE Rutagara II umukobwa", "rw", "early_marriage", "110301", "umukobwa"),
        ("marriage musanze", "en", "early_marriage", "4310", ""),
    ],
)
def test_type_place_and_text_in_three_languages(
    text: str, language: str, type_code: str, code: str | None, description: str
) -> None:
    parsed = p(text)
    assert parsed.language == language and parsed.type_code == type_code
    if code is None:  # 4301 is no place here
        assert parsed.outcome == Outcome.UNKNOWN_PLACE and parsed.word == "4301"
        return
    assert parsed.outcome == Outcome.SIGNAL
    assert parsed.place is not None and parsed.place.code == code
    assert parsed.description == description


def test_a_name_prefers_the_sector_to_the_district_of_the_same_name() -> None:
    assert match_place(["Musanze"], PLACES).place.code == "4310"  # type: ignore[union-attr]


def test_a_name_narrowed_by_the_place_above_it() -> None:
    found = match_place(["Musanze", "Muhoza", "yesterday"], PLACES)
    assert found.place is not None and found.place.code == "4308" and found.consumed == 2


def test_a_district_or_province_alone_is_not_a_place() -> None:
    assert p("GBV Gasabo umugore").outcome == Outcome.UNKNOWN_PLACE
    assert p("GBV Iburasirazuba umugore").outcome == Outcome.UNKNOWN_PLACE


def test_an_ambiguous_name_asks_which_listing_three_with_their_district() -> None:
    parsed = p("GBV Remera umugore yakubiswe")
    assert parsed.outcome == Outcome.AMBIGUOUS_PLACE and len(parsed.choices) == 4
    reply = reply_text(parsed)
    assert reply.startswith("Which Remera?")
    assert "1210 Remera (Gasabo)" in reply and reply.count("Remera (") == 3
    assert "yakubiswe" not in reply and len(reply) <= SMS_LIMIT


@pytest.mark.parametrize(
    ("text", "outcome", "language"),
    [
        ("", Outcome.EMPTY, "rw"),
        ("GBV", Outcome.NO_PLACE, "en"),
        ("VIOLENCE", Outcome.NO_PLACE, "fr"),
        ("IHOHOTERWA", Outcome.NO_PLACE, "rw"),
        ("FIRE Kimironko smoke", Outcome.UNKNOWN_TYPE, "rw"),
        ("GBV Atlantis someone", Outcome.UNKNOWN_PLACE, "en"),
        ("HELP", Outcome.HELP, "en"),
        ("aide", Outcome.HELP, "fr"),
        ("Ubufasha", Outcome.HELP, "rw"),
    ],
)
def test_what_is_missing(text: str, outcome: str, language: str) -> None:
    parsed = p(text)
    assert (parsed.outcome, parsed.language) == (outcome, language)
    reply = reply_text(parsed)
    assert 0 < len(reply) <= SMS_LIMIT


def test_help_explains_the_format_in_its_language_with_the_keywords() -> None:
    assert reply_text(p("HELP")).startswith("Send: TYPE PLACE message, e.g. GBV")
    assert "MARRIAGE" in reply_text(p("HELP"))
    fr = reply_text(p("AIDE"))
    assert fr.startswith("Envoyez: TYPE LIEU message") and "VIOLENCE" in fr and "MARIAGE" in fr
    rw = reply_text(p("UBUFASHA"))
    assert rw.startswith("Ohereza: UBWOKO AHANTU ubutumwa") and "IHOHOTERWA" in rw


def test_unknown_type_lists_the_keywords() -> None:
    reply = reply_text(p("FIRE Kimironko smoke"))
    assert reply.startswith("Ubwoko ntibuzwi") and "IHOHOTERWA" in reply
    assert "FIRE" not in reply and "smoke" not in reply  # the first word may be the description's


def test_an_unknown_place_is_not_repeated() -> None:
    reply = reply_text(p("GBV umugore yakubiswe"))
    assert reply.startswith("Place not found") and "umugore" not in reply


def test_confirmation_gives_the_reference_in_the_language_and_never_the_description() -> None:
    for text, start in [
        ("GBV Kimironko a woman was beaten", "Thank you."),
        ("VIOLENCE Kimironko une femme battue", "Merci."),
        ("IHOHOTERWA Kimironko umugore yakubiswe", "Murakoze."),
    ]:
        reply = reply_text(p(text), ref="AB12CD34")
        assert reply.startswith(start) and "AB12CD34" in reply and "3512" in reply and "112" in reply
        assert len(reply) <= SMS_LIMIT
        assert not any(w in reply for w in ("beaten", "battue", "yakubiswe"))


def test_every_reply_fits_one_sms_even_with_many_keywords() -> None:
    many = {f"WORD{i:03d}": Keyword("gbv", "en") for i in range(80)}
    for text in ("HELP", "NOPE x", ""):
        assert len(reply_text(parse(text, keywords=many, places=PLACES))) <= SMS_LIMIT
    for outcome in (Outcome.TOO_LONG, Outcome.FAILED, Outcome.NO_PLACE):
        for lang in ("en", "fr", "rw"):
            assert len(reply_text(Parsed(outcome, lang, word="X" * 20))) <= SMS_LIMIT


def test_keyword_language_from_the_known_words_then_the_type_names() -> None:
    assert keyword_language("IHOHOTERWA") == "rw"
    assert keyword_language("vbg") == "fr"
    assert keyword_language("ABAHUNGU", name_rw="Abahungu bahohoterwa") == "rw"
    assert keyword_language("LABOUR", name="Forced labour", name_fr="Travail forcé") == "en"
    assert keyword_language("FORCE", name="Forced labour", name_fr="Travail forcé") == "fr"
    assert keyword_language("TRAVAIL", name="Forced labour", name_fr="Travail forcé") == "fr"


def test_every_keyword_of_the_default_taxonomy_has_its_language() -> None:
    from amahoro.warning.reference import DEFAULT_TYPES

    english = {"GBV", "MARRIAGE", "LEADER", "DEFENDER", "FAMILY", "LAND", "TRAFFICKING", "HATE", "OTHER"}
    french = {"VIOLENCE", "MARIAGE", "FAMILLE", "TERRE", "TRAITE", "HAINE", "AUTRE"}
    for row in DEFAULT_TYPES:
        for keyword in row.keywords:
            language = "en" if keyword in english else "fr" if keyword in french else "rw"
            found = keyword_language(keyword, name=row.name, name_fr=row.name_fr, name_rw=row.name_rw)
            assert found == language, keyword
