"""Specifier checks: the pre-release policy and local labels."""

from __future__ import annotations

from trt_plugin_hub._versions import check_specifier, release_at_least


def test_local_label_matches_public_specifier():
    assert check_specifier("==2.9.0", "2.9.0+cu130", prereleases=False).satisfied
    assert check_specifier(">=10.9", "10.13.3.9", prereleases=False).satisfied


def test_prerelease_policy_is_explicit_both_ways():
    nightly = "2.6.0.dev20241201+cu124"
    assert check_specifier(">=2.5", nightly, prereleases=True).satisfied
    refused = check_specifier(">=2.5", nightly, prereleases=False)
    assert not refused.satisfied and "TRT_PLUGIN_HUB_PRERELEASES" in refused.detail


def test_unmet_specifier_names_both_sides():
    check = check_specifier(">=10.9", "10.8.0.43", prereleases=True)
    assert not check.satisfied and ">=10.9" in check.detail and "10.8.0.43" in check.detail


def test_release_floor_counts_prereleases_of_that_release():
    assert release_at_least("10.9.0.dev1", (10, 9))
    assert not release_at_least("10.8.99", (10, 9))
    assert not release_at_least(None, (10, 7))
