"""An answer's one-line repr names the origin its provenance gives, and a balance that
answers with a window of a year held whole says the way to that year."""

from __future__ import annotations

import json

from tradecli import api
from tradecli.cli import app


def test_the_repr_names_the_origin_of_the_figures(runner, tmp_path) -> None:
    # An import of one newer month lies over the sample, but Pakistan's partners in 2006
    # are the embedded sample's gravity figures alone: the origin is the sample's.
    path = tmp_path / "sep.csv"
    path.write_text("reporter,partner,flow,period,value_usd\nPAK,JPN,exports,2025-09,15000000\n")
    assert runner.invoke(app, ["import", str(path)]).exit_code == 0
    answer = api.partners("PAK", start="2006", sort="deficit", top=3)
    assert answer.provenance.origin == "sample"
    assert answer.to_dict()["provenance"]["origin"] == "sample"
    assert "origin='sample'" in repr(answer)


def test_an_answered_balance_names_the_year_held_whole(runner) -> None:
    # May 2006 has no figure (the sample holds 2006 as a year), August 2025 has: the
    # answer is printed, and a note says how to ask for 2006.
    result = runner.invoke(app, ["balance", "PAK", "JPN", "--from", "2006-05", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    notes = json.loads(result.stdout)["notes"]
    assert "the data hold 2006 only as a whole year: use --from 2006" in notes
    followed = runner.invoke(app, ["balance", "PAK", "JPN", "--from", "2006", "-f", "json"])
    assert followed.exit_code == 0, followed.stderr
    # 2006 as published in the gravity file the sample was built from: Japan -> Pakistan
    # 1,936.055 million USD (gravity_2006_flows_musd.csv).
    assert json.loads(followed.stdout)["figures"]["imports"]["to"] == 1_936_055_000.0
