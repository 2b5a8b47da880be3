"""Coverage of the study's intervals by simulation: the naive interval of each design under-covers where the
study says it does, and the study's interval covers near its nominal 95 %."""

import numpy as np
import pytest

from ecgstudy.metrics import coverage_sims as cs


def test_ols_test_error_is_the_expected_error_of_least_squares():
    rng = np.random.default_rng(0)
    m, p, errors = 40, 5, []
    for _ in range(4000):
        x, y = rng.standard_normal((m, p)), None
        y = x.sum(axis=1) + rng.standard_normal(m)
        coef, *_ = np.linalg.lstsq(x, y, rcond=None)
        x_new = rng.standard_normal((50, p))
        errors.append(np.mean((x_new.sum(axis=1) + rng.standard_normal(50) - x_new @ coef) ** 2))
    assert np.mean(errors) == pytest.approx(cs.ols_test_error(m, p), rel=0.02)  # 1 + 5 / 34


def test_a_percentile_bootstrap_of_five_runs_under_covers_and_student_t_does_not():
    cov = cs.mean_of_runs(5, n_sims=1500, seed=3)
    assert cov["percentile bootstrap"] < 0.9 and 0.93 <= cov["Student t"] <= 0.97


def test_on_one_fixed_test_set_only_the_combined_interval_covers():
    cov = cs.fixed_test_set(5, n_sims=800, seed=2)
    assert cov["seeds only (paired t)"] < 0.65 and 0.93 <= cov["seeds + test patients (fixed_test_interval)"] <= 0.98


def test_over_cross_validation_folds_the_corrected_t_covers_at_least_as_often_as_the_plain_t():
    cov = cs.cross_validation(5, n_sims=1500, seed=4)
    plain, corrected = cov["plain t over folds"], cov["corrected resampled t (Nadeau & Bengio)"]
    assert plain <= 0.9 and corrected >= 0.92  # 20 features on 60 records: the folds' errors move together
    easy = cs.cross_validation(5, n_sims=1500, seed=4, n=100, p=5)  # 5 on 100: they hardly do
    assert easy["plain t over folds"] >= 0.92 and easy["corrected resampled t (Nadeau & Bengio)"] >= 0.95


def test_the_coverage_table_pairs_each_naive_interval_with_the_studys():
    table = cs.coverage_table(n_sims=30, seed=0)
    assert set(table["design"]) == {"mean of independent runs", "seeds on one fixed test set",
                                    "folds of one cross-validation"}
    pairs = cs.naive_and_ours(table)
    assert len(pairs) == 4 + 4 + 3 and pairs["naive"].isin(
        [cs.MEAN_OF_RUNS[0], cs.FIXED_TEST_SET[0], cs.CROSS_VALIDATION[0]]).all()
    assert ((pairs["naive coverage"] >= 0) & (pairs["our coverage"] <= 1)).all()


def test_the_statistics_page_glues_the_coverages_it_draws():
    from ecgstudy.book_pages import statistics_page

    page = statistics_page(n_sims=40, seed=1)
    rule = page.shown["rule"].frame
    assert rule["verdict"].tolist() == ["agrees", "contradicts", "contradicts", "not detected",
                                        "not testable at this budget"]
    table = page.figure_data["fig_coverage"]
    five = table[(table["design"] == "seeds on one fixed test set") & (table["runs"] == 5)]
    seeds_only = float(five.loc[five["interval"] == cs.FIXED_TEST_SET[0], "coverage"].iloc[0])
    assert page.glue["seeds_only_5"] == f"{100 * seeds_only:.0f} %" and page.metrics["n_sims"] == 40
    fig = page.figures["fig_coverage"]()
    assert len(fig.axes) == 3
