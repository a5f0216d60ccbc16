"""How a `daifuku` command fails: one line that says what to do, never a traceback.

`explain` is the one table from an exception to that line and the exit status: 2 when the command was
used wrongly (a bad argument, no region, no terminal for a prompt), 1 when it could not do its work
(AWS or LINE unreachable or refusing, a file that cannot be read). `DAIFUKU_DEBUG=1` shows the
traceback as well, for a bug report.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import urlsplit

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ReadTimeoutError,
)
from pydantic import ValidationError

from daifuku_cli.messages import _

USAGE = 2  # the command was used wrongly: fix the command line or the environment
FAILED = 1  # the command could not do its work
INTERRUPTED = 130  # Ctrl-C, as shells report it
TOO_MANY_REQUESTS = 429
SERVER_ERROR = 500

# AWS's answers when the caller's credentials are missing, wrong or expired.
CREDENTIAL_ERROR_CODES = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "AccessDenied",
        "AccessDeniedException",
    }
)
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
LINE_USER_ID = re.compile(r"^U[0-9a-f]{32}$")
LOCAL_URL = re.compile(r"^https?://[^\s/]+")
ARGPARSE_ARGUMENT_PREFIX = re.compile(r"^argument ([^:]+): ")


class OperatorError(Exception):
    """A failure the command explains itself: its message is the line to show."""

    exit_code = FAILED

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class UsageError(OperatorError):
    """The command was used wrongly: what to type instead."""

    exit_code = USAGE


@dataclass(frozen=True)
class Failure:
    message: str
    exit_code: int


def explain(error: BaseException) -> Failure:
    """The one line for `error`, and the exit status."""
    for error_type, describe in FAILURES:
        if isinstance(error, error_type):
            failure = describe(error)
            return Failure(one_line(failure.message), failure.exit_code)
    if _is_line_error(error):
        return Failure(one_line(describe_line_failure(error)), FAILED)
    return Failure(
        one_line(
            _("Unexpected error ({kind}: {detail}); run again with DAIFUKU_DEBUG=1 to see where.").format(
                kind=type(error).__name__, detail=error
            )
        ),
        FAILED,
    )


def one_line(text: str) -> str:
    """Newlines and runs of spaces become one space: a failure is always a single line."""
    return " ".join(str(text).split())


def _own(error: BaseException) -> Failure:
    assert isinstance(error, OperatorError)
    return Failure(error.message, error.exit_code)


def _interrupted(_error: BaseException) -> Failure:
    return Failure(_("Interrupted; nothing more was done."), INTERRUPTED)


def _no_region(_error: BaseException) -> Failure:
    return Failure(
        _("No AWS region is set: pass --region ap-northeast-1, or set AWS_DEFAULT_REGION."),
        USAGE,
    )


def _no_credentials(_error: BaseException) -> Failure:
    return Failure(
        _("No usable AWS credentials: run `aws configure` or `aws sso login`, or set AWS_PROFILE."), FAILED
    )


def _unreachable(error: BaseException) -> Failure:
    endpoint = str(getattr(error, "kwargs", {}).get("endpoint_url") or "")
    if urlsplit(endpoint).hostname in LOCAL_HOSTS:
        message = _("Nothing answers at {endpoint}: start the local stack with ./dev local, then try again.")
    else:
        message = _("AWS cannot be reached at {endpoint}: check the network connection and --region.")
    return Failure(message.format(endpoint=endpoint or "?"), FAILED)


def _aws_refused(error: BaseException) -> Failure:
    assert isinstance(error, ClientError)
    code = error.response.get("Error", {}).get("Code", "")
    if code in CREDENTIAL_ERROR_CODES:
        return Failure(
            _(
                "AWS refused the credentials ({code}): sign in again (`aws sso login`) or set AWS_PROFILE."
            ).format(code=code),
            FAILED,
        )
    detail = error.response.get("Error", {}).get("Message", "")
    return Failure(
        _("AWS refused {operation} ({code}: {detail}).").format(
            operation=error.operation_name, code=code, detail=detail
        ),
        FAILED,
    )


def _aws_other(error: BaseException) -> Failure:
    return Failure(_("AWS could not be used: {detail}").format(detail=error), FAILED)


def _end_of_input(_error: BaseException) -> Failure:
    return Failure(_("The input ended before every answer was given: run the command in a terminal."), USAGE)


def _file(error: BaseException) -> Failure:
    assert isinstance(error, OSError)
    return Failure(
        _("Cannot use {file}: {reason}.").format(
            file=error.filename or "?", reason=error.strerror or type(error).__name__
        ),
        FAILED,
    )


def _invalid(error: BaseException) -> Failure:
    assert isinstance(error, ValidationError)
    first = error.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or error.title
    return Failure(
        _("{where} is not valid ({detail}); {count} problem(s) in all.").format(
            where=where, detail=first.get("msg", ""), count=error.error_count()
        ),
        USAGE,
    )


def _export_format(error: BaseException) -> Failure:
    return Failure(str(error), FAILED)


def _export_format_type() -> type[Exception]:
    from daifuku_cli.export_format import ExportFormatError

    return ExportFormatError


FAILURES: tuple[tuple[Any, Callable[[BaseException], Failure]], ...] = (
    (OperatorError, _own),
    (KeyboardInterrupt, _interrupted),
    (NoRegionError, _no_region),
    ((NoCredentialsError, PartialCredentialsError), _no_credentials),
    ((EndpointConnectionError, ConnectionClosedError, ReadTimeoutError), _unreachable),
    (ClientError, _aws_refused),
    (BotoCoreError, _aws_other),
    (EOFError, _end_of_input),
    (ValidationError, _invalid),
    (_export_format_type(), _export_format),
    (OSError, _file),
)


# LINE


def _is_line_error(error: BaseException) -> bool:
    if not type(error).__module__.startswith(("linebot", "urllib3")):
        return False  # and line-bot-sdk is not imported for nothing
    from daifuku_cli.line_clients import LINE_ERRORS

    return isinstance(error, LINE_ERRORS)


def describe_line_failure(error: BaseException) -> str:
    """LINE refusing a call, or not answering: its status and message, and what to check."""
    from daifuku_cli.line_clients import describe_line_error

    status = getattr(error, "status", None)
    if status is None:
        message = _("LINE could not be reached ({detail}): check the network connection.")
        return message.format(detail=one_line(str(error))[:200])
    detail = describe_line_error(error)  # type: ignore[arg-type]
    if status in (401, 403):
        return _(
            "LINE refused the channel's credentials ({detail}): run `daifuku setup` with fresh ones."
        ).format(detail=detail)
    if status == TOO_MANY_REQUESTS:
        message = _("LINE limits the requests ({detail}): wait a minute, then run the command again.")
    elif status >= SERVER_ERROR:
        message = _(
            "LINE could not answer ({detail}): run `daifuku setup` again in a few minutes; "
            "it continues where it stopped."
        )
    else:
        message = _("LINE refused the request ({detail}): check the channel on LINE Developers.")
    return message.format(detail=detail)


# Argument types: a bad value is a usage error (exit 2) naming the option


def theme_colour(value: str) -> str:
    """`#rrggbb`."""
    if not HEX_COLOUR.match(value):
        raise argparse.ArgumentTypeError(
            _("{value!r} is not a colour: write it as #rrggbb, e.g. #06C755").format(value=value)
        )
    return value


def line_user_id(value: str) -> str:
    """A LINE user id: U and 32 hexadecimal digits."""
    if not LINE_USER_ID.match(value):
        raise argparse.ArgumentTypeError(
            _(
                "{value!r} is not a LINE user id: it is U followed by 32 hexadecimal digits "
                "(the simulator's console or LINE Developers shows it)"
            ).format(value=value)
        )
    return value


class OneLineArgumentParser(argparse.ArgumentParser):
    """argparse, except that a usage error is one line with where to find help."""

    def error(self, message: str) -> NoReturn:
        message = ARGPARSE_ARGUMENT_PREFIX.sub(r"\1: ", message)  # "argument --x: …" → "--x: …"
        self.exit(
            USAGE,
            _("{prog}: {message} (see {prog} --help)").format(prog=self.prog, message=one_line(message))
            + "\n",
        )
