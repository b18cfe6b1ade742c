"""The one registry of delineation methods: learned ones and NeuroKit2's own.

Every consumer (the front door :func:`nk_qrs_lstm.ecg_delineate`, the
benchmark, the robustness sweep, the speed script, the contract tests)
iterates over this registry; nothing else keeps a list of methods.

Two kinds of method:

``"learned"``
    ``func(ecg, rpeaks, sampling_rate, **kwargs) -> dict`` of float arrays,
    keys :data:`nk_qrs_lstm.defaults.BEAT_KEYS`, one row per R-peak (or per
    QRS found when ``rpeaks`` is None). Input arrives validated; the front door
    formats the result for NeuroKit, applies ``check`` and plots.
``"neurokit"``
    NeuroKit2's own methods, called as
    ``func(ecg_cleaned, rpeaks, sampling_rate, show, show_type, check, **kwargs)``
    and returning NeuroKit's ``(signals, waves)`` unchanged.

Names are case-insensitive, as in NeuroKit2.
"""

from dataclasses import dataclass

from ._checks import check_option
from .neurokit import neurokit_delineate

KINDS = ("learned", "neurokit")

#: NeuroKit2's method names and the aliases it accepts, passed through to it.
NEUROKIT_METHODS = {
    "dwt": ("discrete wavelet transform",),
    "cwt": ("continuous wavelet transform",),
    "peak": ("peaks", "derivative", "gradient"),
    "prominence": ("peak-prominence", "emrich", "emrich2024"),
}


@dataclass(frozen=True)
class Method:
    """One registered delineation method.

    Attributes
    ----------
    name : str
        Canonical (lower-case) name.
    func : callable
        The implementation (see the module docstring for its signature).
    kind : {"learned", "neurokit"}
    aliases : tuple of str
        Other accepted names (lower-case).
    """

    name: str
    func: object
    kind: str
    aliases: tuple = ()


_METHODS = {}
_ALIASES = {}


def register_delineator(name, aliases=(), kind="learned"):
    """Decorator adding a delineation method to the registry.

    A learned method is one function: it receives validated input
    (``ecg`` a float array, ``rpeaks`` an int array or None,
    ``sampling_rate`` a float) and returns the per-beat table; the front
    door does the rest (NeuroKit formatting, ``check``, plots, tables).

    Parameters
    ----------
    name : str
        Method name; matched case-insensitively.
    aliases : str or tuple of str
        Other names accepted for it. A name or alias already given to
        another method (NeuroKit's included) is refused; registering a name
        again replaces that method.
    kind : {"learned", "neurokit"}

    Examples
    --------
    >>> import numpy as np
    >>> from nk_qrs_lstm.defaults import BEAT_KEYS
    >>> @register_delineator("FlatLine")
    ... def flat_line(ecg, rpeaks, sampling_rate):
    ...     n = 0 if rpeaks is None else len(rpeaks)
    ...     return {key: np.full(n, np.nan) for key in BEAT_KEYS}
    >>> get_method("flatline").name
    'flatline'
    >>> unregister_delineator("FlatLine")
    """
    check_option("kind", kind, KINDS)
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty string, got {name!r}.")
    key = name.lower()
    aliases = (aliases,) if isinstance(aliases, str) else tuple(aliases)
    if not all(isinstance(a, str) and a for a in aliases):
        raise TypeError(f"aliases must be a name or a tuple of names (non-empty strings), got {aliases!r}.")
    aliases = tuple(a.lower() for a in aliases)
    for taken in (key, *aliases):  # a name may be registered again (a notebook cell re-run), never taken over
        owner = _ALIASES.get(taken, taken if taken in _METHODS else None)
        if owner is not None and (owner != key or _METHODS[owner].kind != kind):
            raise ValueError(f"{taken!r} already names the {_METHODS[owner].kind} method {owner!r}; choose another "
                             "name (or unregister_delineator it first).")

    def decorator(func):
        if key in _METHODS:
            unregister_delineator(key)
        _METHODS[key] = Method(key, func, kind, aliases)
        for alias in aliases:
            _ALIASES[alias] = key
        return func

    return decorator


def unregister_delineator(name):
    """Remove a method added with :func:`register_delineator` (and its aliases); NeuroKit's stay."""
    if get_method(name).kind == "neurokit":
        raise ValueError(f"{name!r} is NeuroKit's method; it cannot be unregistered.")
    method = _METHODS.pop(get_method(name).name)
    for alias in method.aliases:
        _ALIASES.pop(alias, None)


def available_methods(kind=None):
    """Canonical names of the registered methods, sorted.

    Parameters
    ----------
    kind : {"learned", "neurokit"}, optional
        Only methods of this kind.

    Examples
    --------
    >>> import nk_qrs_lstm
    >>> nk_qrs_lstm.available_methods()
    ['cwt', 'dwt', 'lstm', 'peak', 'prominence']
    >>> nk_qrs_lstm.available_methods("learned")
    ['lstm']
    """
    if kind is not None:
        check_option("kind", kind, KINDS)
    return sorted(name for name, m in _METHODS.items() if kind is None or m.kind == kind)


def get_method(method):
    """The :class:`Method` registered under ``method`` (a name or alias, any case).

    Raises
    ------
    TypeError
        If ``method`` is not a string.
    ValueError
        If no method has that name (the message lists the allowed names and
        the closest one).
    """
    if not isinstance(method, str):
        raise TypeError(f"method must be a string, got {type(method).__name__} {method!r}.")
    key = method.lower()
    key = _ALIASES.get(key, key)
    if key not in _METHODS:
        check_option("method", method, available_methods())
    return _METHODS[key]


def _neurokit_method(canonical):
    def delineator(ecg_cleaned, rpeaks, sampling_rate, show, show_type, check, **kwargs):
        return neurokit_delineate()(ecg_cleaned, rpeaks=rpeaks, sampling_rate=sampling_rate, method=canonical,
                                    show=show, show_type=show_type, check=check, **kwargs)

    delineator.__name__ = f"neurokit_{canonical}"
    return delineator


for _name, _aliases in NEUROKIT_METHODS.items():
    register_delineator(_name, aliases=_aliases, kind="neurokit")(_neurokit_method(_name))
