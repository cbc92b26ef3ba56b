"""My work (/my-work/): each role's list of what to do next, and the count shown in the menu (htmx)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from . import selectors


@login_required
@never_cache
def my_work(request: HttpRequest) -> HttpResponse:
    sections = selectors.worklist(user=request.user)
    context = {"sections": sections, "total": sum(len(s.items) for s in sections)}
    return render(request, "worklist/my_work.html", context)


@login_required
@never_cache
def count(request: HttpRequest) -> HttpResponse:
    """The number beside "My work" in the menu (loaded after the page, so no page waits for it)."""
    return render(request, "worklist/_count.html", {"total": selectors.item_count(user=request.user)})
