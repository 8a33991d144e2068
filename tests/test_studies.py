"""Hardware comparison studies: specs, problems, samplers, crash-safe store, metrics, executors, CLI, plots."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dimod
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hiqlip_plugin.cli import main as cli_main
from hiqlip_plugin.studies import (
    StudySpecError,
    dask_executor,
    load_study,
    run_study,
    study_from_dict,
)
from hiqlip_plugin.studies.metrics import bootstrap_tts, time_to_target, tts, wilson_interval
from hiqlip_plugin.studies.problems import build_problems
from hiqlip_plugin.studies.runner import prepare
from hiqlip_plugin.studies.samplers import SamplerSpec, build_sampler, hardware_note
from hiqlip_plugin.studies.store import RUN_COLUMNS, RunStore, read_csv

ROOT = Path(__file__).resolve().parents[1]
TIMES = ("wall_time", "sampler_time", "cpu_time", "qpu_time")


def _maxcut_file(folder: Path) -> Path:
    """A 12-vertex weighted ring with chords, in the G-set format."""
    rng = np.random.default_rng(0)
    edges = [(i, (i + 1) % 12) for i in range(12)] + [(i, (i + 5) % 12) for i in range(0, 12, 2)]
    lines = [f"12 {len(edges)}"] + [f"{i + 1} {j + 1} {int(rng.integers(1, 4))}" for i, j in edges]
    path = folder / "ring12.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def _tiny(folder: Path) -> dict:
    """2 problems x 3 samplers x 2 seeds, deterministic given the seeds (no time limit binds)."""
    return {
        "study": {"name": "tiny", "seeds": [0, 1], "bootstrap": 50},
        "problems": [
            {"kind": "lipschitz", "dims": [5, 8, 1], "seed": 3},
            {"kind": "gset", "path": str(_maxcut_file(folder))},
        ],
        "samplers": [
            {"name": "sa", "params": {"num_reads": 4, "num_sweeps": 200}},
            {"name": "cim", "label": "cim-cac", "params": {"algorithm": "cac", "num_steps": 200}},
            {"name": "hierarchical", "params": {"child": "exact", "max_subproblem_size": 6}},
        ],
    }


def _without_times(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k not in TIMES} for row in rows]


def test_tiny_study_in_process_and_on_dask_gives_the_same_rows(tmp_path):
    study = study_from_dict(_tiny(tmp_path))
    local = run_study(study, tmp_path / "local")
    with dask_executor(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None) as executor:
        dask = run_study(study, tmp_path / "dask", executor=executor)
    local_rows, dask_rows = read_csv(tmp_path / "local" / "runs.csv"), read_csv(tmp_path / "dask" / "runs.csv")
    assert len(local_rows) == 2 * 3 * 2 and list(local_rows[0]) == list(RUN_COLUMNS)
    assert _without_times(local_rows) == _without_times(dask_rows)
    assert len(local["cells"]) == len(dask["cells"]) == 6
    # the 12-vertex Max-Cut has no reference: its target is the best cut found in the study
    assert {c["target_source"] for c in local["cells"] if c["problem"] == "ring12"} == {"best found in this study"}
    lipschitz = [c for c in local["cells"] if c["problem"].startswith("lipschitz")]
    for cell in lipschitz:
        assert cell["best_certified"] <= cell["optimality_bound"] + 1e-9
        assert cell["best_objective"] <= cell["reference"] * (1 + 1e-9) <= cell["optimality_bound"] * (1 + 1e-9)
    summary = read_csv(tmp_path / "local" / "summary.csv")
    assert len(summary) == 6 and {"tts99_low", "success_low", "num_nonzeros", "qpu_time"} <= set(summary[0])


RESUME_SPEC = """
[study]
name = "resume"
seeds = [{seeds}]
[[problems]]
kind = "lipschitz"
dims = [6, 40, 1]
[[samplers]]
name = "sa"
params = {{ num_reads = 1, num_sweeps = 100000 }}
"""


def test_a_killed_study_resumes_without_losing_or_duplicating_rows(tmp_path):
    spec = tmp_path / "resume.toml"
    spec.write_text(RESUME_SPEC.format(seeds=", ".join(map(str, range(14)))))
    out = tmp_path / "out"
    code = f"from hiqlip_plugin.studies import load_study, run_study; run_study(load_study({str(spec)!r}), {str(out)!r})"
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "OMP_NUM_THREADS": "1"})
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if (out / "runs.csv").is_file() and len(read_csv(out / "runs.csv")) >= 2:
                break
            time.sleep(0.05)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    before = read_csv(out / "runs.csv")
    assert 2 <= len(before) < 14, "the study was not killed mid-way"
    assert not (out / "summary.csv").exists()
    run_study(load_study(spec), out)
    after = read_csv(out / "runs.csv")
    seeds = [int(row["seed"]) for row in after]
    assert sorted(seeds) == list(range(14))
    by_seed = {row["seed"]: row for row in after}
    assert all(by_seed[row["seed"]] == row for row in before)
    assert (out / "summary.csv").is_file()


def test_runs_csv_is_rebuilt_from_the_database_on_open(tmp_path):
    meta = {"fingerprint": "f"}
    store = RunStore(tmp_path, meta)
    store.add({"problem": "p", "sampler": "s", "budget": None, "seed": 0, "objective": 1.0})
    store.close()
    with (tmp_path / "runs.csv").open("a") as handle:
        handle.write("p,s,1,,half a line")
    RunStore(tmp_path, meta).close()
    assert [row["seed"] for row in read_csv(tmp_path / "runs.csv")] == ["0"]
    with pytest.raises(ValueError, match="different study"):
        RunStore(tmp_path, {"fingerprint": "other"})


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["p", "q"]), st.integers(0, 3), st.floats(-5, 5)), max_size=20))
def test_the_store_keeps_the_first_row_of_each_run(tmp_path_factory, adds):
    folder = tmp_path_factory.mktemp("store")
    store = RunStore(folder, {"fingerprint": "f"})
    first: dict = {}
    for problem, seed, objective in adds:
        added = store.add({"problem": problem, "sampler": "s", "budget": 1.0, "seed": seed, "objective": objective})
        assert added == ((problem, seed) not in first)
        first.setdefault((problem, seed), objective)
    store.close()
    RunStore(folder, {"fingerprint": "f"}).close()
    rows = read_csv(folder / "runs.csv")
    assert [(r["problem"], int(r["seed"]), float(r["objective"])) for r in rows] == [
        (p, seed, v) for (p, seed), v in first.items()]


def _spec(**changes) -> dict:
    spec = {
        "study": {"name": "bad", "seeds": [0]},
        "problems": [{"kind": "lipschitz", "dims": [4, 5, 1]}],
        "samplers": [{"name": "sa"}],
    }
    for key, value in changes.items():
        spec[key] = value
    return spec


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (_spec(extra={}), r"unknown keys \['extra'\] in the spec"),
        (_spec(study={"name": "b", "seeds": [0], "time_limt": 1}), r"unknown keys \['time_limt'\] in \[study\]"),
        (_spec(study={"name": "b"}), "needs seeds"),
        (_spec(study={"name": "b", "seeds": [1, 1]}), "distinct"),
        (_spec(study={"name": "b", "seeds": [0], "time_limit": -1}), "positive number of seconds"),
        (_spec(study={"name": "b", "seeds": [0], "time_limit": 1, "budgets": [1]}), "not both"),
        (_spec(problems=[{"kind": "lipschitz", "dim": [4, 5, 1]}]), r"unknown keys \['dim'\]"),
        (_spec(problems=[{"kind": "maxcut"}]), "kind 'maxcut' is unknown"),
        (_spec(problems=[{"kind": "gset", "path": "/nonexistent/G1.txt"}]), "does not exist"),
        (_spec(problems=[{"kind": "bqm"}]), "needs path"),
        (_spec(problems=[]), r"at least one \[\[problems\]\]"),
        (_spec(samplers=[{"name": "annealer"}]), "unknown sampler name 'annealer'"),
        (_spec(samplers=[{"name": "no_such_module:Sampler"}]), "cannot import"),
        (_spec(samplers=[{"name": "sa", "params": {"num_sweep": 5}}]), r"unknown parameters \['num_sweep'\]"),
        (_spec(samplers=[{"name": "cim", "params": {"algorithm": "qbm"}}]), "unknown CIM algorithm 'qbm'"),
        (_spec(samplers=[{"name": "sa"}, {"name": "sa"}]), "unique label"),
        (_spec(samplers=[{"name": "sa", "colour": "red"}]), r"unknown keys \['colour'\]"),
        (_spec(samplers=[{"name": "hierarchical", "params": {"child": "sa", "child_params": {"seed": 1}}}]),
         r"\['seed'\] are set by the study"),
        (_spec(samplers=[{"name": "cim", "params": {"time_limit": 3}}]), r"\['time_limit'\] are set by the study"),
        (_spec(samplers=[{"name": "hierarchical", "params": {"child": "cim", "child_params": {"polish": True}}}]),
         "clashes"),
    ],
)
def test_bad_specs_are_clear_errors(spec, message):
    with pytest.raises(StudySpecError, match=message):
        study_from_dict(spec)


def test_problem_values_and_capacities_are_checked_before_any_run(tmp_path):
    too_big = study_from_dict(_spec(problems=[{"kind": "lipschitz", "dims": [12, 20, 1]}],
                                    samplers=[{"name": "exact"}]))
    with pytest.raises(StudySpecError, match="takes at most 20 variables"):
        run_study(too_big, tmp_path / "a")
    bad_output = study_from_dict(_spec(problems=[{"kind": "lipschitz", "dims": [4, 5, 2], "output": 2}]))
    with pytest.raises(StudySpecError, match="output must be an index"):
        prepare(bad_output)
    deep = study_from_dict(_spec(problems=[{"kind": "lipschitz", "dims": [4, 5, 5, 1]}]))
    with pytest.raises(StudySpecError, match="two-layer network"):
        prepare(deep)
    assert not (tmp_path / "a").exists()


def test_l2_lipschitz_problems_score_the_norm_and_certify_it(tmp_path):
    study = study_from_dict(_spec(problems=[{"kind": "lipschitz", "dims": [4, 6, 1], "norm": 2, "seed": 4}],
                                  samplers=[{"name": "exact"}]))
    [cell] = run_study(study, tmp_path)["cells"]
    [row] = read_csv(tmp_path / "runs.csv")
    assert float(row["objective"]) == pytest.approx(float(row["certified"])) == pytest.approx(cell["reference"])
    assert cell["success_probability"] == 1.0 and cell["reference"] <= cell["optimality_bound"]


def test_network_files_give_one_problem_per_output(tmp_path, make_network):
    make_network((5, 6, 3), seed=7).save(tmp_path / "net.npz")
    spec = tmp_path / "s.toml"
    spec.write_text('[study]\nname = "n"\nseeds = [0]\n[[problems]]\nkind = "lipschitz"\nnetwork = "net.npz"\n'
                    'output = [0, 2]\n[[samplers]]\nname = "exact"\n')
    problems = prepare(load_study(spec))
    assert [p.name for p in problems] == ["net-o0", "net-o2"]
    assert all(p.proven and p.reference <= p.upper_bound for p in problems)
    with pytest.raises(StudySpecError, match="seed"):
        prepare(study_from_dict(_spec(problems=[{"kind": "lipschitz", "network": str(tmp_path / "net.npz"),
                                                  "seed": 1}])))


def test_invalid_toml_and_missing_spec_file(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text("[study\n")
    with pytest.raises(StudySpecError, match="not valid TOML"):
        load_study(path)
    with pytest.raises(StudySpecError, match="does not exist"):
        load_study(tmp_path / "missing.toml")


def test_bqm_files_load_in_dimod_formats_and_pickles_are_refused(tmp_path):
    bqm = dimod.generators.ran_r(1, 8, seed=2)
    with (tmp_path / "m.bqm").open("wb") as handle:
        handle.write(bqm.to_file().read())
    (tmp_path / "m.json").write_text(json.dumps(bqm.to_serializable()))
    exact = dimod.ExactSolver().sample(bqm).first.energy
    for name in ("m.bqm", "m.json"):
        [problem] = build_problems({"kind": "bqm", "path": name}, tmp_path)
        assert problem.proven and problem.reference == exact and problem.sense == "min"
    import pickle

    (tmp_path / "m.pkl").write_bytes(pickle.dumps(bqm))
    with pytest.raises(ValueError, match="pickles are not loaded"):
        build_problems({"kind": "bqm", "path": "m.pkl"}, tmp_path)


def test_orlib_and_gset_references_come_from_the_best_known_table(shared_data):
    [problem] = build_problems({"kind": "orlib", "path": str(shared_data / "bqp" / "bqp250-1.mc")})
    assert problem.reference == 45607 and "OR-Library" in problem.reference_source and not problem.proven


def test_hardware_samplers_without_credentials_are_skipped_with_a_note(tmp_path, monkeypatch):
    monkeypatch.delenv("DWAVE_API_TOKEN", raising=False)
    monkeypatch.setenv("DWAVE_CONFIG_FILE", str(tmp_path / "no-dwave.conf"))
    note = hardware_note("dwave")
    if note is None:
        pytest.skip("D-Wave credentials are configured here")
    study = study_from_dict(_spec(samplers=[{"name": "sa"}, {"name": "dwave"}]))
    assert study.skipped == {"dwave": note} and "skipped" in note
    summary = run_study(study, tmp_path / "out")
    assert [c["sampler"] for c in summary["cells"]] == ["sa"]
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["skipped"] == {"dwave": note}


def test_custom_samplers_and_time_budgets(tmp_path):
    study = study_from_dict(_spec(study={"name": "b", "seeds": [0, 1], "budgets": [0.05, 0.2]},
                                  samplers=[{"name": "dimod:RandomSampler", "label": "random",
                                             "params": {"num_reads": 3}},
                                            {"name": "tabu", "params": {"num_reads": 2}}]))
    run_study(study, tmp_path)
    rows = read_csv(tmp_path / "runs.csv")
    assert len(rows) == 2 * 2 * 2 and {row["budget"] for row in rows} == {"0.05", "0.2"}
    tabu = [row for row in rows if row["sampler"] == "tabu"]
    assert all(float(row["wall_time"]) < 5 * float(row["budget"]) + 0.5 for row in tabu)
    built = build_sampler(SamplerSpec("tabu", "tabu", {"num_reads": 2}))
    assert built.budget == "tabu"


def test_qaoa_inside_the_hierarchical_composite_respects_its_capacity(tmp_path):
    pytest.importorskip("qiskit_optimization")
    study = study_from_dict(_spec(
        problems=[{"kind": "lipschitz", "dims": [3, 3, 1], "seed": 2}],
        samplers=[{"name": "hierarchical", "label": "h-qaoa",
                   "params": {"child": "qaoa", "child_params": {"maxiter": 10, "max_num_variables": 4}}}]))
    [cell] = run_study(study, tmp_path)["cells"]
    [row] = read_csv(tmp_path / "runs.csv")
    assert row["capacity"] == "4" and int(row["child_calls"]) >= 1 and cell["feasible_runs"] == 1
    assert float(row["certified"]) <= cell["optimality_bound"] + 1e-9
    with pytest.raises(StudySpecError, match="takes at most 4 variables"):
        prepare(study_from_dict(_spec(samplers=[{"name": "qaoa", "params": {"max_num_variables": 4}}])))


# ---------------------------------------------------------------- metrics
def test_wilson_interval_known_values():
    assert [round(v, 4) for v in wilson_interval(5, 10)] == [0.2366, 0.7634]
    assert wilson_interval(0, 10)[0] == 0.0 and round(wilson_interval(0, 10)[1], 4) == 0.2775
    assert wilson_interval(10, 10)[1] == 1.0 and round(wilson_interval(10, 10)[0], 4) == 0.7225
    with pytest.raises(ValueError):
        wilson_interval(3, 2)


@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_contains_the_estimate(case):
    successes, trials = case
    low, high = wilson_interval(successes, trials)
    assert 0.0 <= low <= successes / trials <= high <= 1.0


def test_tts99_formula_and_edge_cases():
    assert tts(3.0, 0.0) == math.inf
    assert tts(3.0, 1.0) == 3.0 and tts(3.0, 0.99) == 3.0
    assert tts(1.0, 0.5) == pytest.approx(math.log(0.01) / math.log(0.5))
    assert tts(2.0, 0.1) == pytest.approx(2.0 * math.log(0.01) / math.log(0.9))
    with pytest.raises(ValueError):
        tts(1.0, 1.5)
    assert bootstrap_tts([1.0] * 4, [False] * 4) == (math.inf, math.inf, math.inf)
    assert bootstrap_tts([2.0] * 4, [True] * 4) == (2.0, 2.0, 2.0)
    value, low, high = bootstrap_tts([1.0] * 20, [True, False] * 10, resamples=500, seed=1)
    assert low <= value <= high and value == pytest.approx(tts(1.0, 0.5))
    assert bootstrap_tts([1.0] * 20, [True, False] * 10, seed=4) == bootstrap_tts([1.0] * 20, [True, False] * 10,
                                                                                  seed=4)


def test_time_to_target_curve():
    curve = time_to_target([2.0, 2.0, 2.0, 2.0], [True, False, False, False], [1, 2, 4], seed=0)
    assert curve["time"] == [2.0, 4.0, 8.0]
    assert curve["probability"] == pytest.approx([0.25, 1 - 0.75**2, 1 - 0.75**4])
    assert all(lo <= p <= hi for lo, p, hi in zip(curve["low"], curve["probability"], curve["high"], strict=True))


def test_plots_without_matplotlib_name_the_plot_extra(monkeypatch):
    from hiqlip_plugin.studies.plots import success_figure

    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    cell = {"problem": "p", "sampler": "sa", "budget": 1.0, "success_probability": 0.5, "success_low": 0.2,
            "success_high": 0.8}
    with pytest.raises(ImportError, match=r"hiqlip-plugin\[plot\]"):
        success_figure({"cells": [cell]})


# ---------------------------------------------------------------- command line
def test_cli_run_plot_report_on_the_example_spec(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "example"
    assert cli_main(["study", "run", str(ROOT / "examples" / "study.toml"), "--out", str(out), "--no-progress"]) == 0
    assert len(read_csv(out / "runs.csv")) == 9 and (out / "summary.csv").is_file()
    capsys.readouterr()
    assert cli_main(["study", "plot", str(out)]) == 0
    for name in ("quality_vs_time", "time_to_target", "tts99", "success_probability", "lipschitz_bracket"):
        assert (out / f"{name}.png").stat().st_size > 0 and (out / f"{name}.svg").is_file()
    assert cli_main(["study", "report", str(out)]) == 0
    report = capsys.readouterr().out
    assert "p [95% CI]" in report and "TTS99 s [95% CI]" in report
    for sampler in ("sa", "cim", "hierarchical"):
        assert f" {sampler} " in report
    with pytest.raises(SystemExit, match="need --executor dask"):
        cli_main(["study", "run", str(ROOT / "examples" / "study.toml"), "--out", str(out), "--workers", "2"])
