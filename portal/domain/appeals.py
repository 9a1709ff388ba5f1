"""Appeals against a test result (§2E, product default): which results can be appealed, and what
an upheld appeal records (pure).

Only a failed MO test can be appealed: not a pass, not the MO exemption test, not an NT2 or B1
oral test. The appeals committee decides; an upheld appeal counts as a pass on the test day (not
on the day of the decision), so the pillar and the attest date follow the test day.
"""

from __future__ import annotations

from portal.domain.model import Fact, FactKind, TestKind


def appealable(result: Fact) -> bool:
    """Whether `result` is a failed MO test (the only result an appeal can be lodged against)."""
    is_result = result.kind is FactKind.TEST_RESULT
    return is_result and result.test is TestKind.MO and result.passed is False


def upheld_result(result: Fact) -> Fact:
    """The pass an upheld appeal records: the same test, passed, dated on the test day."""
    if not appealable(result):
        raise ValueError("only a failed MO test can be appealed")
    return Fact(FactKind.TEST_RESULT, result.on, test=result.test, passed=True, level=result.level)
