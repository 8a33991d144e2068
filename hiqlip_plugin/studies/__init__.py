"""Hardware comparison studies: the same problems on many samplers, with honest statistics.

A study is problems x samplers x seeds x budgets, written as a TOML spec (:mod:`~hiqlip_plugin.studies.spec`):
Lipschitz QUBOs with their certified bounds, Max-Cut files and dimod BQMs
(:mod:`~hiqlip_plugin.studies.problems`), samplers by name (:mod:`~hiqlip_plugin.studies.samplers`), run
in-process or on a Dask cluster (:mod:`~hiqlip_plugin.studies.runner`), stored crash-safely
(:mod:`~hiqlip_plugin.studies.store`), summarised with success probabilities, TTS99 and their intervals
(:mod:`~hiqlip_plugin.studies.metrics`, :mod:`~hiqlip_plugin.studies.summary`) and plotted
(:mod:`~hiqlip_plugin.studies.plots`). ``hiqlip study run | plot | report`` is the command line
(:mod:`~hiqlip_plugin.studies.cli`). See ``docs/studies.md``.

Examples:
    >>> import tempfile
    >>> from hiqlip_plugin.studies import run_study, study_from_dict
    >>> study = study_from_dict({"study": {"name": "tiny", "seeds": [0, 1]},
    ...                          "problems": [{"kind": "lipschitz", "dims": [4, 6, 1]}],
    ...                          "samplers": [{"name": "sa", "params": {"num_reads": 4}}]})
    >>> run_study(study, tempfile.mkdtemp())["cells"][0]["runs"]
    2
"""

from __future__ import annotations

from hiqlip_plugin.studies.runner import dask_executor, run_study, write_summary
from hiqlip_plugin.studies.spec import Study, StudySpecError, load_study, study_from_dict

__all__ = ["Study", "StudySpecError", "load_study", "study_from_dict", "run_study", "dask_executor",
           "write_summary"]
