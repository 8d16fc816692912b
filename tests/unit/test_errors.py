"""Every exception class of cms-bridge lives in cms_bridge/errors.py, in one tree."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import cms_bridge
from cms_bridge import errors


def _modules() -> list[str]:
    # __main__ runs the command line when imported; it defines nothing.
    return [info.name for info in pkgutil.walk_packages(cms_bridge.__path__, prefix="cms_bridge.")
            if not info.name.endswith(".__main__")]


def test_no_module_but_errors_defines_an_exception() -> None:
    strays = []
    for name in _modules():
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if (inspect.isclass(value) and issubclass(value, BaseException)
                    and value.__module__ == name and name != "cms_bridge.errors"):
                strays.append(f"{name}.{attr}")
    assert strays == [], "define exception classes in cms_bridge/errors.py: " + ", ".join(strays)


def test_the_walk_sees_the_whole_package() -> None:
    names = _modules()
    assert "cms_bridge.errors" in names and "cms_bridge.reports.render" in names
    assert "cms_bridge.intake.inbox" in names


def test_every_error_is_in_the_tree_and_in_the_docstring() -> None:
    classes = [v for v in vars(errors).values()
               if inspect.isclass(v) and issubclass(v, BaseException) and v.__module__ == errors.__name__]
    assert len(classes) > 20
    for cls in classes:
        assert issubclass(cls, errors.CmsBridgeError), cls
        assert cls.__name__ in (errors.__doc__ or ""), f"{cls.__name__} missing from the drawn tree"


def test_old_homes_still_export_their_errors() -> None:
    from cms_bridge.bridge import SyncLockedError
    from cms_bridge.categories.plan import PlanError
    from cms_bridge.intake.attachments import AttachmentError
    from cms_bridge.intake.inbox import IntakeError
    from cms_bridge.intake.request import RequestError
    from cms_bridge.intake.tables import TableError
    from cms_bridge.ledger.schema import LedgerError
    from cms_bridge.ledger.store import LedgerError as StoreLedgerError
    from cms_bridge.mappings import MappingError, UnknownMappingError
    from cms_bridge.thaidate import ThaiDateError

    assert (SyncLockedError, PlanError, AttachmentError, IntakeError, RequestError, TableError, LedgerError,
            StoreLedgerError, MappingError, UnknownMappingError, ThaiDateError) == (
        errors.SyncLockedError, errors.PlanError, errors.AttachmentError, errors.IntakeError,
        errors.RequestError, errors.TableError, errors.LedgerError, errors.LedgerError, errors.MappingError,
        errors.UnknownMappingError, errors.ThaiDateError)


def test_site_errors_carry_status_code_url_and_body() -> None:
    exc = errors.PermissionDeniedError("forbidden", method="POST", url="https://u:p@site/wp-json/wp/v2/posts",
                                       status=403, code="rest_forbidden", body='{"code":"rest_forbidden"}')
    assert (exc.method, exc.status, exc.code) == ("POST", 403, "rest_forbidden")
    assert exc.url == "https://***@site/wp-json/wp/v2/posts"
    assert exc.body == '{"code":"rest_forbidden"}'


def test_value_error_callers_still_catch_the_value_error_kinds() -> None:
    for cls in (errors.UsageError, errors.ReportError, errors.ThaiDateError, errors.MappingError):
        assert issubclass(cls, ValueError)
