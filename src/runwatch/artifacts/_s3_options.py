"""Remote artifact storage (S3 and other fsspec URLs): options and errors.

Options come from the workspace (`artifacts_options` in its config, or
`Workspace(..., artifacts_options={...})`) and are handed to fsspec as
storage options. For `s3://` URLs (s3fs, `pip install runwatch[s3]`):

- `endpoint_url`: an S3-compatible server; else `AWS_ENDPOINT_URL_S3`, else
  `AWS_ENDPOINT_URL`, else AWS itself;
- `key`, `secret`, `token`: credentials; else the usual AWS sources
  (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, profiles);
- `region`: the region; else `AWS_DEFAULT_REGION` / `AWS_REGION`;
- any other key is passed to the file system as it is (e.g. `config_kwargs`).

A string value `"${NAME}"` stands for environment variable NAME, read when the
store is opened, so a config file can name a secret without holding it. The
references, not their values, are what a workspace writes to its config and
hands to the agent and submitted scripts.

Storage failures are reported as `StoreError` naming the artifact URL and the
endpoint, never the credentials: `explain()` turns botocore, aiohttp and OS
errors into one sentence.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from runwatch.core import _settings
from runwatch.errors import ConfigError

_REFERENCE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
_CHECKSUMS = {
    "request_checksum_calculation": "when_required",
    "response_checksum_validation": "when_required",
}
_CREDENTIAL_CODES = {
    "AccessDenied",
    "ExpiredToken",
    "InvalidAccessKeyId",
    "InvalidToken",
    "SignatureDoesNotMatch",
}


def check_options(options: object, where: str) -> dict[str, Any]:
    """`options` as a dict with str keys, or a `ConfigError` naming `where`."""
    if options is None:
        return {}
    if not isinstance(options, Mapping) or not all(isinstance(k, str) for k in options):
        raise ConfigError(
            f"artifacts_options {where} must be a mapping of option names to values, such as "
            '{"endpoint_url": "http://127.0.0.1:9000", "secret": "${MY_S3_SECRET}"}'
        )
    return dict(options)


def storage_options(url: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """The fsspec storage options for `url`: references resolved, S3 defaults applied."""
    resolved = {name: _resolve(name, value) for name, value in options.items()}
    if _scheme(url) not in ("s3", "s3a"):
        return resolved
    region = resolved.pop("region", None)
    if region is not None:
        resolved["client_kwargs"] = {**resolved.get("client_kwargs", {}), "region_name": region}
    endpoint = resolved.get("endpoint_url") or _settings.s3_endpoint()
    if endpoint:
        resolved["endpoint_url"] = endpoint
    # fsspec would reuse a file system made with other credentials from the environment.
    resolved.setdefault("skip_instance_cache", True)
    # botocore's default checksums are refused or wrong on some S3-compatible servers (a
    # ranged GET from `rclone serve s3` carries the whole object's CRC): only when required.
    resolved["config_kwargs"] = {**_CHECKSUMS, **resolved.get("config_kwargs", {})}
    return resolved


def options_from_environment() -> dict[str, Any]:
    """The options an agent or a submitted script was handed (see `environment_entry`)."""
    raw = _settings.context_artifacts_options()
    if raw is None:
        return {}
    try:
        options = json.loads(raw)
    except ValueError:
        raise ConfigError(
            f"{_settings.ARTIFACTS_OPTIONS_ENV} is not valid JSON; expected an object of options"
        ) from None
    return check_options(options, f"in {_settings.ARTIFACTS_OPTIONS_ENV}")


def environment_entry(options: Mapping[str, Any], env: dict[str, str]) -> dict[str, str]:
    """`env` with the workspace's options (references unresolved) for a child process.

    In the environment, not on the command line, which other users can read.
    """
    env = dict(env)
    if options:
        env[_settings.ARTIFACTS_OPTIONS_ENV] = json.dumps(dict(options))
    else:
        env.pop(_settings.ARTIFACTS_OPTIONS_ENV, None)
    return env


def _resolve(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    match = _REFERENCE.match(value)
    if match is None:
        return value
    found = _settings.environment_variable(match.group(1))
    if found is None:
        raise ConfigError(
            f"artifacts_options[{name!r}] refers to the environment variable "
            f"{match.group(1)}, which is not set"
        )
    return found


def _scheme(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else "file"


def public_url(url: str) -> str:
    """`url` without any user name or password in it, fit for messages."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=host))


def error_code(error: BaseException) -> str | None:
    """The S3 error code of a botocore error, or of the one s3fs translated."""
    for candidate in (error, error.__cause__):
        response = getattr(candidate, "response", None)
        if isinstance(response, dict):
            code = response.get("Error", {}).get("Code")
            return str(code) if code is not None else None
    return None


def is_storage_error(error: BaseException) -> bool:
    """True for errors of the storage layer (not, say, a user's stream failing)."""
    module = type(error).__module__.split(".", 1)[0]
    return isinstance(error, OSError) or module in ("botocore", "aiobotocore", "aiohttp", "s3fs")


def explain(error: BaseException, url: str, endpoint: str | None) -> str:
    """One sentence saying what went wrong with the artifact store at `url`."""
    where = f"artifact store {public_url(url)}"
    if endpoint:
        where += f" (endpoint {public_url(endpoint)})"
    code = error_code(error)
    kind = type(error).__name__
    if code == "NoSuchBucket":
        bucket = urlsplit(url).netloc.rsplit("@", 1)[-1]
        return f"{where}: the bucket {bucket!r} does not exist; create it first"
    if code in _CREDENTIAL_CODES or isinstance(error, PermissionError):
        return (
            f"{where}: the credentials were refused ({code or kind}); check "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or the workspace's artifacts_options"
        )
    if kind in ("NoCredentialsError", "PartialCredentialsError"):
        return (
            f"{where}: no credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
            'or "key" and "secret" in the workspace\'s artifacts_options'
        )
    if "Connect" in kind or isinstance(error, (ConnectionError, TimeoutError)):
        return f"{where}: cannot reach the endpoint ({kind}); is the server running?"
    return f"{where}: {kind}: {error}"
