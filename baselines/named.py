"""A registry of named things: the one shape every registry here shares.

:class:`Registry` is a ``dict`` (name -> thing, in registration order) with
:meth:`Registry.register` (a second thing of the same name raises) and
:meth:`Registry.get` replaced by :meth:`Registry.lookup`, whose error lists
the valid names.  :data:`baselines.tasks.TASKS` and
:data:`baselines.data.registry.DATASET_READERS` are registries.
"""

from __future__ import annotations

__all__ = ["Registry"]


class Registry(dict):
    """Named things of one type, in registration order.

    Parameters
    ----------
    kind : type
        What the registry holds; each item has a ``name``.
    noun : str
        What an item is called in messages (``"task"``, ``"dataset"``).
    """

    def __init__(self, kind, noun):
        super().__init__()
        self.kind = kind
        self.noun = noun

    def register(self, item):
        """Add ``item`` under ``item.name``; return it."""
        if not isinstance(item, self.kind):
            raise TypeError(
                f"a {self.noun} must be a {self.kind.__name__}, got {type(item).__name__}"
            )
        if item.name in self:
            raise ValueError(f"{self.noun} {item.name!r} is already registered")
        self[item.name] = item
        return item

    def lookup(self, name):
        """The item called ``name``; ``ValueError`` listing the valid names if none."""
        try:
            return self[name]
        except (KeyError, TypeError):
            raise ValueError(
                f"unknown {self.noun} {name!r}; valid {self.noun}s: {', '.join(self)}"
            ) from None
