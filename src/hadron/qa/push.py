"""``hadron push``: upload a run to a Hugging Face dataset repo.

Only the dataset goes up: the card, the data shards, exports, and the small run records (config,
manifest, stats, report, eval). The request cache, logs and checkpoints stay local. The token comes from
``HF_TOKEN`` only; without it nothing is attempted.
"""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path
from typing import Any

from hadron.errors import ConfigError, HadronError
from hadron.qa.card import write_dataset_card
from hadron.qa.rundir import EVAL, RunDir
from hadron.runtime import rundir

ALLOW = (rundir.CARD, f"{rundir.DATA}/*", f"{rundir.EXPORTS}/**", rundir.CONFIG, rundir.MANIFEST,
         rundir.STATS, "report.html", EVAL, "eval_pairs.jsonl")
REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")


def upload_plan(run_dir: str | Path) -> list[str]:
    """The run-relative paths ``push`` would upload, sorted (for checking the layout offline)."""
    root = Path(run_dir)
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    return [f for f in files if any(fnmatch.fnmatch(f, pattern) for pattern in ALLOW)
            and not f.endswith(".tmp")]


def hf_token() -> str:
    token = os.environ.get("HF_TOKEN", "").strip()
    if not token:
        raise ConfigError("no Hugging Face token: set HF_TOKEN to a token with write access, then run "
                          "hadron push again")
    return token


def push_run(run_dir: str | Path, repo: str, *, private: bool = False, revision: str | None = None,
             message: str | None = None) -> dict[str, Any]:
    """Refresh the card, then create (if needed) the dataset repo and upload the run's dataset files."""
    if not REPO_ID.match(repo):
        raise ConfigError(f"invalid repo id {repo!r}; expected ORG/NAME")
    token = hf_token()
    run = RunDir.open(run_dir)
    if not run.data_files():
        raise ConfigError(f"{run.path}: nothing to push (no data/*.jsonl or data/*.parquet)")
    write_dataset_card(run.path, repo=repo)
    try:
        from huggingface_hub import HfApi
    except ImportError as err:
        raise ConfigError("pushing needs huggingface_hub",
                          hint="pip install 'hadron-distill[hub]'") from err
    from huggingface_hub.errors import HfHubHTTPError

    api = HfApi(token=token)
    try:
        url = api.create_repo(repo, repo_type="dataset", private=private, exist_ok=True)
        commit = api.upload_folder(folder_path=str(run.path), repo_id=repo, repo_type="dataset",
                                   allow_patterns=list(ALLOW), ignore_patterns=["*.tmp"], revision=revision,
                                   commit_message=message or f"Upload {run.name} with Hadron")
    except (HfHubHTTPError, OSError) as err:  # HTTP errors and network failures alike
        raise HadronError(f"push to {repo} failed: {str(err).splitlines()[0]}") from err
    return {"repo": repo, "url": str(url), "commit": str(getattr(commit, "oid", commit)),
            "files": upload_plan(run.path)}
