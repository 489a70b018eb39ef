from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from confederal.node.ledgers import selectors

from .models import Assembly


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    assemblies = Assembly.objects.select_related("ledger")
    return render(request, "assemblies/home.html", {"assemblies": assemblies})


@require_safe
def assembly_page(request: HttpRequest, slug: str) -> HttpResponse:
    assembly = get_object_or_404(Assembly.objects.select_related("ledger"), slug=slug)
    checkpoint = selectors.latest_checkpoint(assembly.ledger)
    return render(request, "assemblies/assembly.html", {"assembly": assembly, "checkpoint": checkpoint})
