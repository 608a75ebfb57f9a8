"""The stress test decides whether the candidate may go to prod, and how big prod is."""

import pytest

from {{package}}.stress_verdict import verdict

MET = {
    "state": "Succeeded",
    "recommendation": {"isTargetMet": True, "instanceCount": 2, "instanceType": "Standard_D2s_v3", "reasons": []},
}


def test_a_met_target_sizes_prod():
    assert verdict(MET) == {"INSTANCE_COUNT": 2, "INSTANCE_TYPE": "Standard_D2s_v3"}


def test_a_missed_target_fails_with_the_reasons():
    missed = {"state": "Succeeded", "recommendation": {"isTargetMet": False, "reasons": ["p95 900 ms > 500 ms at every step"]}}
    with pytest.raises(SystemExit, match="p95 900 ms > 500 ms"):
        verdict(missed)


def test_a_profile_that_did_not_finish_fails():
    with pytest.raises(SystemExit, match="did not finish: Failed"):
        verdict({"state": "Failed", "error": "every request was refused"})
