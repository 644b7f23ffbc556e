"""Copying registered models along with runs (`runwatch copy`, `copy_runs`).

A model registered from a run that is copied goes with it: every version, its
files first, then its record (`RunStore.import_asset`), keeping its version
number where that is free in the target and its created time. Models
registered from local files (no run) go when a whole workspace is copied.

A model version is known in the target by the folder its files were copied
into (a random id per registration), so copying again is safe: a version
already there is left alone, or has its tags, description and new properties
brought up to date.
"""

from __future__ import annotations

from collections.abc import Collection

from runwatch.core._records import AssetInfo
from runwatch.tracking._copy_runs import NEW, UNCHANGED, UPDATE, CopyReport, _counted, _StatusLine
from runwatch.tracking._models import KIND, MODELS
from runwatch.tracking._workspace import Workspace


def copy_models(
    source: Workspace,
    target: Workspace,
    run_ids: Collection[str],
    whole: bool,
    report: CopyReport,
    line: _StatusLine,
) -> None:
    """Copy the models of runs `run_ids`, or with `whole` every model."""
    wanted = [asset for asset in source.store.list_assets(KIND) if whole or asset.run_id in run_ids]
    here: dict[tuple[str, str], AssetInfo] = {
        (asset.name, str(asset.document.get("folder"))): asset
        for asset in target.store.list_assets(KIND)
    }
    for done, asset in enumerate(wanted):
        line.show(f"copying models {done}/{len(wanted)}", report.bytes)
        copy = here.get((asset.name, str(asset.document.get("folder"))))
        source_id = f"{asset.name}:{asset.version}"
        if copy is None:
            action = NEW
        elif _same(asset, copy):
            action = UNCHANGED
        else:
            action = UPDATE
        report.models.append((source_id, action))
        if report.dry_run:
            if action == NEW:
                report.files += len(asset.document.get("files", []))
                report.bytes += sum(int(f["size"]) for f in asset.document.get("files", []))
            continue
        if action == NEW:
            _copy_files(source, target, asset, report, line)
            copy = target.store.import_asset(asset)
            if copy.version != asset.version:
                report.renumbered_models.append((source_id, f"{copy.name}:{copy.version}"))
        elif action == UPDATE and copy is not None:
            target.store.update_asset(
                KIND,
                copy.name,
                copy.version,
                description=asset.description,
                set_tags=asset.tags,
                remove_tags=[key for key in copy.tags if key not in asset.tags],
                add_properties={
                    k: v for k, v in asset.properties.items() if k not in copy.properties
                },
            )


def _same(asset: AssetInfo, copy: AssetInfo) -> bool:
    """Whether the copy has the source's description, tags and every property."""
    return (
        asset.description == copy.description
        and asset.tags == copy.tags
        and all(key in copy.properties for key in asset.properties)
    )


def _copy_files(
    source: Workspace, target: Workspace, asset: AssetInfo, report: CopyReport, line: _StatusLine
) -> None:
    if source.artifacts_url == target.artifacts_url:
        return  # the bytes are in place already
    folder = asset.document["folder"]
    for file in asset.document.get("files", []):
        key = f"{asset.name}/{folder}/{file['name']}"
        try:
            stream = source.artifacts.open_shared(MODELS, key)
        except FileNotFoundError:
            report.warnings.append(
                f"model {asset.name}:{asset.version}: {file['name']} is missing from the "
                f"source artifacts ({source.artifacts.url}); its record was copied without it"
            )
            continue
        with stream:
            target.artifacts.put_shared(MODELS, key, _counted(stream, report, line))
        report.files += 1
