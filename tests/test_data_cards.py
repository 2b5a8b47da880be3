"""Data cards say whether each dataset found is complete, a subset or a small sample; the xECGNet page says
what it does with a CPSC 2018 sample."""

from __future__ import annotations

import json
from pathlib import Path

from ecgstudy.data.cards import card_table, data_admonition, found_text, reference_text, samples_text
from ecgstudy.data.check import check_data, format_report
from ecgstudy.studies.xecgnet.verdicts import cpsc_note


def _data_dir(tmp_path: Path) -> Path:
    """mitdb with 1 record (of 48), ptbxl with 2 of the 10 its index lists, CPSC with 3 of the 500 its
    REFERENCE.csv lists, CinC 2021 with 2 records (of 88,253); no LUDB."""
    root = tmp_path / "data"
    (root / "mitdb").mkdir(parents=True)
    (root / "mitdb" / "100.hea").write_text("h")
    rec = root / "ptbxl" / "records100" / "00000"
    rec.mkdir(parents=True)
    for i in (1, 2):
        (rec / f"0000{i}_lr.hea").write_text("h")
    (root / "ptbxl" / "ptbxl_database.csv").write_text("ecg_id,report\n" + "".join(f'{i},"a, b"\n' for i in range(10)))
    cpsc = root / "samples" / "cpsc2018"
    cpsc.mkdir(parents=True)
    for i in range(3):
        (cpsc / f"A000{i}.mat").write_bytes(b"m")
    (cpsc / "REFERENCE.csv").write_text("Recording,First_label\n" + "".join(f"A{i:04d},1\n" for i in range(500)))
    (root / "cinc2021").mkdir()
    for i in range(2):
        (root / "cinc2021" / f"E{i}.hea").write_text("h")
    return root


def test_the_cards_say_which_datasets_are_complete_subsets_or_samples(tmp_path):
    statuses = check_data(_data_dir(tmp_path), verify=False)
    cards = card_table(statuses).set_index("key")
    assert cards["found here"].to_dict() == {
        "mitdb": "subset: 1 of 48 records", "ludb": "not found", "ptbxl": "subset: 2 of 10 records",
        "cpsc2018": "sample: 3 of 500 records", "cinc2021": "sample: 2 of 88,253 records"}
    cards = cards.reset_index()
    assert found_text(cards) == "mitdb (subset), ptbxl (subset), cpsc2018 (sample), cinc2021 (sample)"
    assert samples_text(cards) == (
        "cpsc2018 and cinc2021 are small samples here (3 of 500 records; 2 of 88,253 records): enough to test their "
        "readers and label mappings, not to train on. mitdb and ptbxl are subsets (1 of 48 records; 2 of 10 records).")
    box = data_admonition(cards, "cpu")
    assert box.startswith(":::{admonition} Data and profile\n:class: note\nThis page describes the data directory "
                          "seen when the book was built with the **cpu** profile: 4 of 5 datasets found (mitdb (subset), "
                          "ptbxl (subset), cpsc2018 (sample), cinc2021 (sample)). cpsc2018 and cinc2021 are small "
                          "samples here") and box.endswith("\n:::")
    assert "sample: 3 of 500 records; original form (.mat + REFERENCE.csv)" in format_report(statuses)


def test_complete_datasets_are_called_complete_and_an_empty_directory_warns(tmp_path):
    root = tmp_path / "data"
    (root / "mitdb").mkdir(parents=True)
    for i in range(48):
        (root / "mitdb" / f"{100 + i}.hea").write_text("h")
    cards = card_table(check_data(root, verify=False))
    assert cards.set_index("key").loc["mitdb", "found here"] == "complete: 48 records"
    assert found_text(cards) == "mitdb" and samples_text(cards) == ""
    none = card_table([])
    assert found_text(none) == "none" and ":class: warning\n" in data_admonition(none, "demo")


def test_the_reference_copies_are_named(tmp_path):
    path = tmp_path / "reference-data.json"
    path.write_text(json.dumps({"datasets": {"mitdb": {"checksum": "686e0ca2724682a8" + "0" * 48,
                                                       "dataset": "MIT-BIH 1.0.0, all 48 records"}}}))
    assert reference_text(path) == ("The committed real-data pages of this book (under `results/real/`) were made from "
                                    "these copies: MIT-BIH 1.0.0, all 48 records, checksum 686e0ca27246.")
    assert reference_text(tmp_path / "absent.json") == ""


def test_the_xecgnet_page_says_what_a_cpsc_sample_is_and_why_it_is_not_used(tmp_path):
    root = _data_dir(tmp_path)
    assert cpsc_note(("ptbxl", "mitdb"), data="auto", include_cpsc=True, data_dir=root) == (
        "CPSC 2018 is present only as a small sample (3 of its 6,877 training records), too few to train on (the "
        "chapter needs at least 1,000), so the chapter does not use it and the paper's own rows stay *needs CPSC "
        "2018 data* in the scorecard; `ecgstudy data download cpsc2018` says how to get the training set.")
    empty = tmp_path / "empty"
    (empty / "mitdb").mkdir(parents=True)
    assert cpsc_note(("ptbxl", "mitdb"), data="auto", include_cpsc=True, data_dir=empty).startswith(
        "CPSC 2018 was not found")
    assert cpsc_note(("cpsc2018", "ptbxl"), data="auto", include_cpsc=True, data_dir=root) == \
        "CPSC 2018 was found (3 records) and is part of this build."
    assert cpsc_note(("ptbxl",), data="synthetic", include_cpsc=True, data_dir=root).startswith(
        "This build runs on synthetic data only")
