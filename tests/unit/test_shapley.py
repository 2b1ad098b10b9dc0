"""Exact Shapley values: what SHAP's exact explainer gives (with the same single
reference), efficiency, symmetry and the dummy property."""

from __future__ import annotations

import numpy as np
import pytest
import shap
from hypothesis import given, settings
from hypothesis import strategies as st

from slo_engine.domain.shapley import exact_shapley


def _target(x: np.ndarray) -> np.ndarray:
    # The availability attribution's function: min(1 - steady - incidents, bound x ext).
    return np.asarray(np.minimum(1.0 - x[:, 0] - x[:, 1], x[:, 2] * x[:, 3]))


def _shap_values(function: object, values: list[float], reference: list[float]
                 ) -> np.ndarray:
    explainer = shap.explainers.Exact(
        function, shap.maskers.Independent(np.array([reference]), max_samples=1))
    return np.asarray(explainer(np.array([values])).values[0], dtype=float)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 0.01), min_size=2, max_size=2),
       st.lists(st.floats(0.98, 1.0), min_size=2, max_size=2))
def test_the_values_are_shaps_exact_explainers(errors: list[float], bounds: list[float]
                                               ) -> None:
    values, reference = [*errors, *bounds], [0.0, 0.001, 1.0, 1.0]
    if np.allclose(values, reference, rtol=0, atol=1e-15):
        return  # shap cannot explain a point equal to its reference
    ours, theirs = exact_shapley(_target, values, reference), _shap_values(
        _target, values, reference)
    change = float(_target(np.array([values]))[0] - _target(np.array([reference]))[0])
    assert ours.sum() == pytest.approx(change, abs=1e-12)  # efficiency, always
    # SHAP treats a feature within np.isclose of its reference as not varying (zero);
    # and where its values do not add up to the change, it is wrong (see below).
    near = np.isclose(values, reference) & (np.asarray(values) != np.asarray(reference))
    if not near.any() and abs(theirs.sum() - change) < 1e-12:
        assert ours == pytest.approx(theirs, abs=1e-12)


def test_where_shap_loses_efficiency_the_values_are_the_textbook_ones() -> None:
    """x = (0, 0, 1, 0.99999) against r = (0, 0.001, 1, 1): f(x) - f(r) = 0.00099. With
    features 1 and 3 moving, orders (1, 3) give +0.001 then -0.00001 and (3, 1) give 0
    then +0.00099, so phi = (0.000995, -0.000005). SHAP 0.51's exact explainer answers
    (0.001, 0), which add up to 0.001, not the change."""
    phi = exact_shapley(_target, [0.0, 0.0, 1.0, 0.99999], [0.0, 0.001, 1.0, 1.0])
    assert phi == pytest.approx([0.0, 0.000995, 0.0, -0.000005], abs=1e-15)


def test_they_add_up_to_the_change_and_equal_features_share_it() -> None:
    def product(x: np.ndarray) -> np.ndarray:
        return np.asarray(x[:, 0] * x[:, 1] * (1 + 0 * x[:, 2]))

    phi = exact_shapley(product, [2.0, 2.0, 5.0], [1.0, 1.0, 1.0])
    assert phi.sum() == pytest.approx(4.0 - 1.0)  # efficiency
    assert phi[0] == pytest.approx(phi[1])  # symmetry
    assert phi[2] == 0.0  # a feature the function ignores gets nothing


def test_too_many_features_are_refused() -> None:
    with pytest.raises(ValueError, match="2\\^13"):
        exact_shapley(lambda x: x[:, 0], [0.0] * 13, [1.0] * 13)
