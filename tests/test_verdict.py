"""Verdicts on real clauses of the five seed policies: per-label accuracy over the hand-labelled
file, hard cases one by one, query-aware selection, and the district-level ``strongest``."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from assistant.types import NOT_ADDRESSED, VERDICTS, Verdict
from assistant.verdict import (
    _CONDITION,
    _CONSEQUENCE,
    _DISCOURAGED,
    _PERMITTED,
    _PROHIBITED,
    _RECOMMENDED,
    _REQUIRED,
    VERDICT_PRIORITY,
    _mask,
    classify,
    strongest,
)

FAMILIES = (_PROHIBITED, _DISCOURAGED, _CONDITION, _REQUIRED, _RECOMMENDED, _PERMITTED, _CONSEQUENCE)
ROOT = Path(__file__).resolve().parents[1]
LABELS = Path(__file__).parent / "data" / "verdict_labels.jsonl"
CORPUS = ROOT / "corpus"
DOC_FILES = {
    "d207-guidelines": "000_a9ad98b588ff3f02.txt",
    "il-board-social-media": "001_c52ffa2eb41509fb.txt",
    "ia-401-15": "002_13664bde0d2d7fc8.txt",
    "union-1610": "003_400b8112f0071e74.txt",
    "chsd230-5125": "004_1739076a474c36a0.txt",
}


def _rows() -> list[dict]:
    return [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]


def _run(row: dict) -> Verdict:
    return classify(row["text"], row.get("query"), context=row.get("context"))


def _assert_evidence(text: str, v: Verdict) -> None:
    if v.evidence_start == -1:
        assert v.evidence == ""
    else:
        assert v.evidence, v
        assert text[v.evidence_start : v.evidence_start + len(v.evidence)] == v.evidence


def _table(rows: list[dict], got: list[str]) -> str:
    lines = [f"{'label':<14}{'n':>4}{'correct':>9}{'accuracy':>10}  mistaken for"]
    for label in VERDICTS:
        idx = [i for i, r in enumerate(rows) if r["label"] == label]
        ok = sum(got[i] == label for i in idx)
        wrong = Counter(got[i] for i in idx if got[i] != label)
        acc = ok / len(idx) if idx else float("nan")
        lines.append(f"{label:<14}{len(idx):>4}{ok:>9}{acc:>10.2f}  {dict(wrong) or ''}")
    total = sum(g == r["label"] for g, r in zip(got, rows, strict=True))
    lines.append(f"{'overall':<14}{len(rows):>4}{total:>9}{total / len(rows):>10.2f}")
    return "\n".join(lines)


# ---------------------------------------------------------------- the labelled file


def test_labelled_clauses_are_real_and_cover_every_label_and_document() -> None:
    rows = _rows()
    assert len(rows) >= 60
    texts = {d: (CORPUS / f).read_text(encoding="utf-8").replace("\xa0", " ") for d, f in DOC_FILES.items()}
    for row in rows:
        assert row["label"] in VERDICTS, row
        assert row["text"] in texts[row["doc_id"]], f"not verbatim in {row['doc_id']}: {row['text'][:60]}"
    labels = Counter(r["label"] for r in rows)
    assert all(labels[v] >= 3 for v in VERDICTS), labels
    assert {r["doc_id"] for r in rows} == set(DOC_FILES)


def test_accuracy_per_label_over_labelled_clauses(
    capsys: pytest.CaptureFixture[str], record_property: pytest.RecordProperty
) -> None:
    rows = _rows()
    verdicts = [_run(r) for r in rows]
    for row, v in zip(rows, verdicts, strict=True):
        _assert_evidence(row["text"], v)
    got = [v.label for v in verdicts]
    table = _table(rows, got)
    overall = sum(g == r["label"] for g, r in zip(got, rows, strict=True)) / len(rows)
    record_property("verdict_accuracy", round(overall, 4))
    with capsys.disabled():  # shown with or without -s
        print(f"\n\nverdict accuracy on {len(rows)} labelled seed clauses\n{table}\n")
    assert set(got) == set(VERDICTS), f"labels never produced: {set(VERDICTS) - set(got)}"
    assert overall >= 0.90, table


# ---------------------------------------------------------------- hard cases (real clauses)

HARD_CASES = [
    # negation scope
    (
        "Staff should NOT follow/friend/connect with a student on social media nor should staff direct "
        "message or otherwise contact students over social media.",
        "discouraged",
        "should NOT",
    ),
    (
        "Employees must use their District issued e-mail accounts when communicating with students and parents "
        "via e-mail. When communicating with students, employees must utilize the students’ District issued email "
        "accounts. Employees may not communicate with students via text messaging, social media websites (not "
        "including school-sponsored websites or blogs, as discussed below) or private email.",
        "prohibited",
        "may not communicate",
    ),
    (
        "Social media posts should not interfere with or disrupt the educational or working environment, or the "
        "delivery of education or educational support services. It is important to remember that even if you "
        "intend your social media activity to be purely personal, the content and context of your speech and other "
        "factors may bring your activity within Board Policy and the guidelines listed above. Staff should be mindful "
        "that the District educates students from an incredibly diverse background, including culturally and "
        "politically. Statements that may not be offensive to some may be offensive to others, so the exercise of "
        "good professional judgement should occur whenever posting on social media.",
        "discouraged",
        "should not",
    ),
    (
        "The District does not discourage its employees from maintaining a private, online presence.",
        "permitted",
        "does not discourage",
    ),
    # a condition inside a prohibition
    (
        "Unless authorized by the Superintendent or his/her designee, personal web posts shall not include the "
        "District’s logos, mascots, symbols, or other insignias.",
        "conditional",
        "Unless authorized",
    ),
    (
        "Employees shall not submit or post confidential information about the school district, its students, "
        "alumni or employees, including student photos without prior permission. Employees should assume that most "
        "information about a student is required to be kept confidential by both federal law and/or state law.",
        "conditional",
        "without prior permission",
    ),
    (
        "Refrain from using the District's logos without written permission from the District's Executive "
        "Director of Communications.",
        "conditional",
        "without written permission",
    ),
    # "Not ..." items of the il-board "shall:" list
    (
        "Not disclose via personal technology or personal social media student record information, including "
        "student work, photographs or videos of students, names of students, or any other personally identifiable "
        "information about students.",
        "prohibited",
        "Not disclose",
    ),
    (
        "Not interfere with or disrupt the educational or working environment, or the delivery of education or "
        "educational support services through the use of personal technology and/or social media.",
        "prohibited",
        "Not interfere",
    ),
    # bare-verb items of the same list are obligations
    (
        "Use a District-approved social media account to communicate school-related matters with students and "
        "their parents/guardians.",
        "required",
        "Use",
    ),
    (
        "Use personal technology and social media for personal purposes only during non-work times or hours. Any "
        "duty-free use must occur during times and places that the use will not interfere with job duties or "
        "otherwise be disruptive to the school environment or its operation.",
        "conditional",
        "only during non-work times",
    ),
    (
        "“Union Public Schools views an employee’s use of electronic media for communication with students, parents, "
        "colleagues, or stakeholders as an extension of their professional responsibilities. Therefore, the Board of "
        "Education mandates that employees exercise professional discretion and appropriate decorum when using any "
        "form of social media. It is strictly prohibited for employees to engage in individual communication with "
        "students through social media or instant messaging. District administrators reserve the right to request "
        "access to any websites used by an employee for communication with students or parents, and may also require "
        "the production of copies of any electronic communication with students or parents, including but not "
        "limited to text messages and web page posts.”",
        "prohibited",
        "is strictly prohibited",
    ),
    (
        "Employees may text or instant message an individual student when educationally necessary.",
        "conditional",
        "when educationally necessary",
    ),
    (
        "If an employee is participating on a social networking website, web page, and/or blog for school "
        "district-related business, an employee may do so only with the prior approval of the employee’s supervisor.",
        "conditional",
        "may do so only with the prior approval",
    ),
    ("Inappropriate contact with students or parents is prohibited;", "prohibited", "is prohibited"),
    # informational: definitions, consequences, duties of others, epistemic "may"
    (
        "Social media - Media for social interaction, using highly accessible communication techniques through the "
        "use of web-based and mobile technologies to turn communication into interactive dialogue, audio-sharing, "
        "photo-sharing, and/or video-sharing.",
        "informational",
        "",
    ),
    (
        "Any information shared by an employee via social media regarding the business of the school district, "
        "whether using personal or school district technology may be considered a public record.",
        "informational",
        "may be considered",
    ),
    (
        "The Superintendent or designee shall create and manage the guidelines/procedures for electronic "
        "communications and social networking.",
        "informational",
        "",
    ),
    (
        "Violations of these guidelines are subject to disciplinary action up to and including termination.",
        "informational",
        "are subject to",
    ),
    ("2:105 Policy - Ethics Act - Prohibited Political Activities and Gift Ban", "informational", ""),
    # the quoted disclaimer's "with written permission" is not this clause's condition
    (
        "Those sites not part of the district network but permitted to use a district name or logo must post the "
        "following disclaimer in a prominent position on each web page: “This is not an official site of Union "
        "Public Schools. Use of the district’s name/logo is with written permission from Union Public Schools.”",
        "required",
        "must",
    ),
    (
        "Employees are encouraged to post positive information about the school district.  Employees should "
        "exercise appropriate discretion concerning posting, agreeing or liking negative comments about the school "
        "district, its employees, staff, and/or students.",
        "recommended",
        "are encouraged to",
    ),
]


@pytest.mark.parametrize(
    ("text", "label", "evidence"), HARD_CASES, ids=[f"{c[1]}-{i}" for i, c in enumerate(HARD_CASES)]
)
def test_hard_case(text: str, label: str, evidence: str) -> None:
    v = classify(text)
    assert v.label == label, v
    assert v.evidence == evidence
    _assert_evidence(text, v)


def test_list_items_read_by_their_lead_in() -> None:
    text = "Promptly inform their immediate supervisor if a student initiates contact with them."
    assert classify(text).label == "required"
    assert classify(text, context="Section D\nAll District employees who use social media shall:").label == "required"
    v = classify(text, context="Section E - Implementation\nThe Superintendent shall:")
    assert (v.label, v.evidence, v.evidence_start) == ("informational", "", -1)
    # the lead-in's modal is what a bare-verb item means ("Employees shall not:" / "should:" / "may:")
    item = "Post photographs of students on personal accounts."
    for lead, label in [
        ("Staff Conduct\nEmployees shall not:", "prohibited"),
        ("Employees should not:", "discouraged"),
        ("Guidelines > Staff members should:", "recommended"),
        ("Staff members may:", "permitted"),
    ]:
        assert classify(item, context=lead) == Verdict(label, "Post", 0), lead
    assert classify(item[:-1] + " without parental consent.", context="Employees shall not:").label == "conditional"
    # without a lead-in, a duty whose object is the staff or the policy is still recognised
    assert classify("Provide their building staff with a copy of this policy.").label == "informational"


# ---------------------------------------------------------------- query-aware selection

UNION_TEXTING = (
    "District employees are discouraged from sending any text or instant message to a student individually. When "
    "possible, all text and instant messages to students should be sent to the entire school, class, team, club, or "
    "organization. Employees may text or instant message an individual student when educationally necessary."
)
D207_REPOST = (
    "Staff should not disclose confidential information, including but not limited to school student records (e.g., "
    "student work, photographs of students, names of students, or any other personally identifiable information about "
    "students) or personnel records. Employees may “repost,” “reshare” or otherwise engage in social media posts from "
    "official school/district accounts."
)


def test_without_query_the_strongest_sentence_rules() -> None:
    v = classify(UNION_TEXTING)
    assert (v.label, v.evidence) == ("discouraged", "are discouraged from")
    assert classify(D207_REPOST).label == "discouraged"


def test_query_selects_the_sentence_it_is_about() -> None:
    v = classify(UNION_TEXTING, "is it ok to text an individual student when it is educationally necessary?")
    assert (v.label, v.evidence) == ("conditional", "when educationally necessary")
    assert UNION_TEXTING[v.evidence_start :].startswith("when educationally necessary")
    v = classify(D207_REPOST, "can I repost or reshare posts from official district accounts?")
    assert (v.label, v.evidence) == ("permitted", "may")
    assert D207_REPOST.index("Employees may") + len("Employees ") == v.evidence_start
    # "pics"/"photos" meet "photographs"; "social media" is everywhere and decides nothing
    for q in ("can I share photographs of students or their names?", "can I post pics of my students on social media"):
        assert classify(D207_REPOST, q).label == "discouraged", q


def test_a_restriction_with_a_conditional_exception_rules_conditional_and_unrelated_queries_change_nothing() -> None:
    # "text" and "student" are in all three sentences: "discouraged from sending any text ... to a
    # student individually" is excepted by "may text ... when educationally necessary" -> conditional
    v = classify(UNION_TEXTING, "can I text a student?")
    assert (v.label, v.evidence) == ("conditional", "when educationally necessary")
    assert classify(UNION_TEXTING, "parking permits for the stadium") == classify(UNION_TEXTING)
    assert classify(UNION_TEXTING, "") == classify(UNION_TEXTING)


IA_PRIVACY = (
    "Employees should be aware that even if they intend for a communication on social media to be private, "
    "communications on social media are not truly private. To minimize unintended disclosure of information, "
    "employees should set and maintain their social networking privacy settings at the most restrictive level."
)
IA_DISCIPLINE = (
    "Employees who fail to comply with this policy or who otherwise engage in inappropriate use of social media may "
    "be subject to disciplinary action, up to and including termination. If an employee has any questions about the "
    "application of this policy, the employee should consult the employee’s supervisor."
)
IA_IDENTIFY = (
    "If an employee is participating on a social networking website, web page, and/or blog for personal use, the "
    "employee may identify themselves as an employee of the school district. However, if an employee does so, the "
    "employee must state that they are expressing your own opinion, not that of the school district, and the "
    "employee will be fully responsible for your actions."
)
UNION_ADMINS = (
    "The Superintendent or designee shall designate those staff persons who have management or administrator access "
    "to district-sponsored social media including, but not limited to, the authority to remove inappropriate "
    "content. Only content that is allowable on the district website is allowable on district-sponsored social "
    "media pages unless otherwise authorized by the Superintendent or designee."
)
CHSD_EMAIL = (
    "Employees must use their District issued e-mail accounts when communicating with students and parents via "
    "e-mail. When communicating with students, employees must utilize the students’ District issued email accounts. "
    "Employees may not communicate with students via text messaging, social media websites (not including "
    "school-sponsored websites or blogs, as discussed below) or private email."
)


def test_a_question_about_a_description_gets_the_rule_of_its_clause() -> None:
    # "private" falls on the awareness sentence; what the clause rules is "should set ... privacy settings"
    for q in ("do i have to make my fb private??", "Are messages on social media ever truly private?"):
        assert classify(IA_PRIVACY, q).label == "recommended", q
    # ... but a question about others' duties is answered by the duty ("The Superintendent shall designate")
    v = classify(UNION_ADMINS, "Who has administrator access to district-sponsored social media pages?")
    assert v.label == "informational"
    # without the duty in the question's words, the clause's own condition rules
    assert classify(UNION_ADMINS, "can I post content that is not allowed on the district website?").label == "conditional"


def test_a_question_about_consequences_gets_the_consequence() -> None:
    for q in ("What happens if I violate the social media policy?", "can i get fired for a facebook post"):
        v = classify(IA_DISCIPLINE, q)
        assert (v.label, v.evidence) == ("informational", "may be subject to"), q
    # any other question about the clause: its advice ("should consult") rules
    assert classify(IA_DISCIPLINE, "who do I ask about this policy?").label == "recommended"


def test_a_permission_is_read_with_the_condition_of_the_next_sentence() -> None:
    v = classify(IA_IDENTIFY, "Can I say on my personal profile that I work for the school district?")
    assert (v.label, v.evidence) == ("conditional", "if an employee does so")
    assert IA_IDENTIFY[v.evidence_start :].lower().startswith("if an employee does so")


def test_email_spellings_meet() -> None:
    # "gmail"/"email" meet "e-mail": the sentence about e-mail to parents, not the one about texting
    assert classify(CHSD_EMAIL, "can i use my own gmail to email my kids parents").label == "required"
    assert classify(CHSD_EMAIL, "can I text my students?").label == "prohibited"


# ---------------------------------------------------------------- wording beyond the seeds (pure logic)

GENERAL = [
    ("Employees must not share passwords.", "prohibited"),
    ("Staff are not permitted to friend students on personal accounts.", "prohibited"),
    ("Teachers are not to text students.", "prohibited"),
    ("No employee shall post photographs of students on a personal account.", "prohibited"),
    ("Under no circumstances should employees share login credentials.", "prohibited"),
    ("Staff will not use personal accounts to communicate with students.", "prohibited"),
    ("Harassment of students through social media will not be tolerated.", "prohibited"),
    ("Friending current students is not recommended.", "discouraged"),
    ("Employees should avoid connecting with students.", "discouraged"),
    ("Employees may post photos of students with written parental consent.", "conditional"),
    ("Staff may communicate with students through district-approved platforms only.", "conditional"),
    ("Employees who wish to create a class page must first obtain approval from the principal.", "conditional"),
    ("Personal cell phones may be used for instructional purposes with administrator approval.", "conditional"),
    ("Employees must not use personal email to contact students except in emergencies.", "conditional"),
    ("Staff will use district accounts for all communication with parents.", "required"),
    ("It is the responsibility of each employee to protect student privacy.", "required"),
    ("Employees need to report any contact initiated by a student.", "required"),
    ("Employees are advised to keep personal and professional accounts separate.", "recommended"),
    ("It is recommended that staff use privacy settings.", "recommended"),
    ("Employees can use their personal devices to access the staff portal.", "permitted"),
    ("Personal use of social media is acceptable.", "permitted"),
    ("Employees may be disciplined for violating this policy.", "informational"),
    ("The principal will review all requests.", "informational"),
    ("The district will provide training to all staff.", "informational"),
    ("Comments can be forwarded or copied.", "informational"),
    (
        "Coaches may use group messaging apps such as Remind to communicate with team members, provided a parent or "
        "administrator is included.",
        "conditional",
    ),
    (
        "The use of district logos on personal accounts requires prior approval from the Communications Office.",
        "conditional",
    ),
    ("Texting a student one-on-one is only allowed when a parent is copied on the message.", "conditional"),
    ("Teachers may contact parents by personal cell phone in an emergency.", "conditional"),
    ("Use of personal social media on district devices is limited to break times.", "conditional"),
    (
        "Employees are prohibited from posting photos of students on personal accounts unless the student is their own "
        "child.",
        "conditional",
    ),
    ("Staff may, with building principal approval, create a team page on Instagram.", "conditional"),
    ("Friending students is not appropriate.", "prohibited"),
    ("Staff must refrain from engaging in online arguments with parents.", "prohibited"),
    ("Staff are cautioned that deleted posts may still be recoverable.", "informational"),
    ("The Board encourages staff to model positive digital citizenship.", "recommended"),
    ("Principals shall review all requests for class social media accounts.", "informational"),
    ("Staff are free to express personal opinions on matters of public concern.", "permitted"),
    (
        "Employees are discouraged from using personal accounts for school business and must use district accounts "
        "instead.",
        "discouraged",
    ),
    # a clause that kept its list marker
    ("8.    Employees should refrain from becoming “friends” with students.", "discouraged"),
    ("•\xa0Not disclose student records.", "prohibited"),
    ("iv. Use district accounts.", "required"),
]


@pytest.mark.parametrize(("text", "label"), GENERAL)
def test_general_wording(text: str, label: str) -> None:
    v = classify(text)
    assert v.label == label, v
    _assert_evidence(text, v)


def test_first_letter_guard_finds_what_the_plain_patterns_find() -> None:
    texts = [_mask(r["text"]) for r in _rows()] + [_mask(t) for t, _ in GENERAL]
    for family in FAMILIES:
        for text in texts:
            assert [m.span() for m in family.rx.finditer(text)] == [m.span() for m in family.plain.finditer(text)]


# ---------------------------------------------------------------- district level


def test_strongest_picks_the_most_restrictive_and_ignores_informational() -> None:
    assert list(VERDICT_PRIORITY) == [
        "prohibited",
        "conditional",
        "discouraged",
        "required",
        "recommended",
        "permitted",
        "informational",
    ]
    assert strongest(["permitted", "prohibited", "conditional"]) == "prohibited"
    assert strongest(["discouraged", "conditional", "informational"]) == "conditional"
    assert strongest(["informational", "permitted"]) == "permitted"
    assert strongest(["informational", "informational"]) == "informational"
    assert strongest([]) == NOT_ADDRESSED
    with pytest.raises(ValueError, match="unknown verdict"):
        strongest(["maybe"])


def test_empty_text_is_informational() -> None:
    assert classify("   ") == Verdict("informational", "", -1)
