"""Pages of stock documents (entry of many scanned lines, list, detail with its actions) and of locations.

Every write goes through stock.services; a domain error is said on the form (by line) or as a message.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, prefetch_related_objects
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from inventory_site.exceptions import DomainError, NotFound
from inventory_site.sorting import sort_queryset
from inventory_site.web import (
    FormToken,
    claim_posted_form_token,
    issue_form_token,
    paginate,
    record_spent_form_token,
    sort_links,
    spent_form_token_url,
)
from stock import selectors, services
from stock.filters import DOCUMENT_SORTS, DocumentFilter
from stock.forms import (
    KIND_FIELDS,
    KIND_TITLES,
    LINE_PREFIX,
    NEW_KIND_TITLES,
    DocumentFilterForm,
    DocumentForm,
    DocumentLineFormSet,
)
from stock.models import DocumentKind, DocumentStatus

ALREADY_SAVED = gettext_lazy("This document was already saved: it was recorded once, not a second time.")
EXPIRED = gettext_lazy(
    "This form had expired (open too long, or already used in another tab): nothing was saved. "
    "Check the lines below and press Save again."
)
ADD_LINE = "add_line"


def _kind(request) -> str:
    kind = (request.POST if request.method == "POST" else request.GET).get("kind", "")
    return kind if kind in DocumentKind.values else DocumentKind.RECEIPT


@login_required
@require_http_methods(["GET", "POST"])
def document_create(request):
    """GET: an empty document of ``?kind=``. POST with "Add line": the same document, as typed, with one more
    empty line (nothing is checked or saved). POST with "Save": the whole document through create_document,
    once per form token; errors are shown on their lines and nothing typed is lost."""
    kind = _kind(request)
    holders = None
    if request.method == "GET":
        form = DocumentForm(kind=kind, initial={"form_token": issue_form_token(request), **_header_initial(request)})
        return _render_form(request, form, _lines(kind))
    if ADD_LINE in request.POST:
        return _render_form(request, *_as_typed(request, kind))
    form = DocumentForm(request.POST, kind=kind)
    lines = _lines(kind, request.POST)
    token, state = claim_posted_form_token(request, spent=ALREADY_SAVED, expired=EXPIRED)
    if state == FormToken.SPENT:
        return redirect(spent_form_token_url(request, token) or "stock:document-list")
    if state == FormToken.UNKNOWN:
        form.is_valid()  # show the field errors too, but save nothing
        lines.is_valid()
    elif form.is_valid() & lines.is_valid():  # both, so every error shows at once
        try:
            document = services.create_document(user=request.user, lines=lines.service_lines(), **form.service_kwargs())
        except DomainError as error:
            _show_error(form, lines, error)
            holders = _count_holders(kind, form, error)
        else:
            messages.success(request, _saved_message(document))
            url = reverse("stock:document-detail", kwargs={"pk": document.pk})
            record_spent_form_token(request, token, url)  # a repeat of this post goes to this document
            return redirect(url)
    form.renew_token(request)
    return _render_form(request, form, lines, status=400, holders=holders)


def _show_error(form, lines, error) -> None:
    """A header error on its field; line errors and short lines on their lines, with one sentence on top."""
    line_errors = (error.errors or {}).get("lines")
    shortages = getattr(error, "shortages", None)
    if isinstance(line_errors, dict) or shortages:
        lines.add_service_error(error)
        if shortages:
            form.add_error(None, error.message)
        header = {key: value for key, value in error.errors.items() if key != "lines"} if error.errors else {}
        if header:
            form.add_service_error(type(error)(error.message, errors=header))
        return
    form.add_service_error(error)


def _count_holders(kind: str, form, error) -> list | None:
    """A count below what orders hold: the active reservations of its short lines at the counted location."""
    shortages = getattr(error, "shortages", None)
    if kind != DocumentKind.COUNT or not shortages:
        return None
    location = form.cleaned_data.get("location") or services.default_location()
    return [
        holder
        for short in shortages
        for holder in selectors.open_reservations(product_id=short["product_id"], location_id=location.pk)
    ]


def _header_initial(request) -> dict:
    initial = {}
    for name in ("location", "source_location", "destination_location", "supplier"):
        value = request.GET.get(name, "")
        if value.isdigit() and len(value) <= 18:
            initial[name] = value
    return initial


def _lines(kind: str, data=None, initial=None):
    return DocumentLineFormSet(data, initial=initial, prefix=LINE_PREFIX, form_kwargs={"kind": kind})


def _as_typed(request, kind: str):
    """The posted document, unchecked and unsaved, with its values as typed and one more empty line."""
    data = request.POST
    header = {name: data.get(name) for name in data if not name.startswith(f"{LINE_PREFIX}-")}
    header.pop("csrfmiddlewaretoken", None)
    header["via_transit"] = bool(data.get("via_transit"))
    try:
        count = int(data.get(f"{LINE_PREFIX}-TOTAL_FORMS", 0))
    except ValueError:
        count = 0
    quantity = "counted_quantity" if kind == DocumentKind.COUNT else "quantity"
    typed = [
        {
            "product": data.get(f"{LINE_PREFIX}-{index}-product", ""),
            quantity: data.get(f"{LINE_PREFIX}-{index}-{quantity}", ""),
        }
        for index in range(max(0, min(count, DocumentLineFormSet.max_num - 1)))
    ]
    lines = _lines(kind, initial=typed)
    lines.forms[-1].fields["product"].widget.attrs["autofocus"] = True  # the next scan goes to the new line
    return DocumentForm(kind=kind, initial=header), lines


def _render_form(request, form, lines, status=200, holders=None):
    context = {
        "holders": holders,
        "form": form,
        "lines": lines,
        "kind": form.kind,
        "kind_title": KIND_TITLES[form.kind],
        "new_title": NEW_KIND_TITLES[form.kind],
        "header_fields": KIND_FIELDS[form.kind],
        "kinds": KIND_TITLES,
        "quantity_label": _("Counted quantity") if form.kind == DocumentKind.COUNT else _("Quantity"),
    }
    return render(request, "stock/document_form.html", context, status=status)


def _saved_message(document) -> str:
    lines = document.lines.count()
    names = {"kind": KIND_TITLES[document.kind], "number": document.number, "lines": lines}
    what = ngettext("%(kind)s %(number)s saved: %(lines)s line", "%(kind)s %(number)s saved: %(lines)s lines", lines)
    what %= names
    if document.kind == DocumentKind.TRANSFER:
        ends = {"source": document.source_location.code, "destination": document.destination_location.code}
        if document.status == DocumentStatus.IN_TRANSIT:
            return (
                what
                + " "
                + _(
                    "from %(source)s to %(destination)s, now in transit: receive it at the destination when it arrives."
                )
                % ends
            )
        return what + " " + _("from %(source)s to %(destination)s.") % ends
    if document.kind == DocumentKind.COUNT:
        changed = {"location": document.location.code, "changed": document.movements.count()}
        return what + " " + _("counted at %(location)s, %(changed)s adjusted.") % changed
    return what + " " + _("at %(location)s.") % {"location": document.location.code}


# --- list and detail ------------------------------------------------------------------------------------------


@login_required
@require_GET
def document_list(request):
    form = DocumentFilterForm(request.GET or None)
    documents = (
        selectors.document_list()
        .prefetch_related(None)  # a page of documents needs their line count, not their lines and movements
        .select_related("location", "source_location", "destination_location", "supplier", "created_by")
        .annotate(line_count=Count("lines", distinct=True))
    )
    if form.is_bound and form.is_valid():
        documents = DocumentFilter(form.filter_params(), queryset=documents).qs
    elif form.is_bound:
        documents = documents.none()
    params = {key: request.GET.get(key) for key in ("sort_by", "sort_order")}
    if params["sort_by"] not in DOCUMENT_SORTS or params["sort_order"] not in (None, "asc", "desc"):
        params = {}
    documents = sort_queryset(documents, params, fields=DOCUMENT_SORTS, default="-created_at")
    context = {
        "form": form,
        "page": paginate(request, documents),
        "sort": sort_links(request, ("created_at",), default="created_at"),
        "kinds": KIND_TITLES,
        "new_kinds": NEW_KIND_TITLES,
    }
    return render(request, "stock/document_list.html", context, status=400 if form.errors else 200)


def _document(pk: int):
    document = selectors.document_detail(pk)
    if document is None:
        raise NotFound(f"No document {pk}.")
    return document


def document_actions(document, user) -> list[str]:
    """The buttons this user may press on ``document``: the rules of stock.services.documents, checked again
    there (a stale page only gets a message)."""
    if document.kind == DocumentKind.TRANSFER and document.status == DocumentStatus.IN_TRANSIT:
        return ["receive", "cancel"]
    if (
        document.status == DocumentStatus.CANCELLED
        or document.reverses_id
        or document.reverses_movement_id
        or hasattr(document, "reversed_by")
        or any(hasattr(movement, "reversed_by") for movement in document.movements.all())
    ):
        return []
    if user.is_admin or document.created_by_id == user.pk:
        return ["reverse"]
    return []


@login_required
@require_GET
def document_detail(request, pk):
    document = _document(pk)
    prefetch_related_objects([document], "movements__location", "movements__reversed_by")
    movements: dict[int, list] = {}
    for movement in sorted(document.movements.all(), key=lambda m: m.pk):
        movements.setdefault(movement.product_id, []).append(movement)
    lines = list(document.lines.all())
    for line in lines:
        line.movement_list = movements.get(line.product_id, [])
    context = {
        "document": document,
        "lines": lines,
        "kind_title": KIND_TITLES[document.kind],
        "new_title": NEW_KIND_TITLES[document.kind],
        "actions": document_actions(document, request.user),
        "reversed_by": getattr(document, "reversed_by", None),
    }
    return render(request, "stock/document_detail.html", context)


@login_required
@require_GET
def document_print(request, pk):
    """The document's delivery note: a printable page of its header and lines."""
    document = _document(pk)
    context = {"document": document, "lines": list(document.lines.all()), "kind_title": KIND_TITLES[document.kind]}
    return render(request, "stock/document_print.html", context)


ACTIONS = {
    "reverse": services.reverse_document,
    "receive": services.receive_transfer,
    "cancel": services.cancel_transfer,
}


@login_required
@require_POST
def document_action(request, pk, action):
    """Reverse, receive or cancel. A domain error (not allowed, already reversed, short of stock, another
    user's) is said as a message on the document's page: nothing was written."""
    if action not in ACTIONS:
        raise NotFound("No such action.")
    document = _document(pk)
    try:
        result = ACTIONS[action](document=document, user=request.user)
    except DomainError as error:
        messages.error(
            request, _("%(number)s was not changed: %(reason)s") % {"number": document.number, "reason": error.message}
        )
        return redirect("stock:document-detail", pk=document.pk)
    if action == "reverse":
        names = {"number": document.number, "reversal": result.number}
        messages.success(request, _("%(number)s reversed by %(reversal)s: its movements are undone.") % names)
        return redirect("stock:document-detail", pk=result.pk)
    if action == "receive":
        names = {"number": document.number, "location": document.destination_location.code}
        messages.success(request, _("%(number)s received at %(location)s.") % names)
    else:
        names = {"number": document.number, "location": document.source_location.code}
        messages.success(request, _("%(number)s cancelled: the stock is back at %(location)s.") % names)
    return redirect("stock:document-detail", pk=document.pk)


# --- locations --------------------------------------------------------------------------------------------------


@login_required
@require_GET
def location_list(request):
    """The location tree, read for everyone signed in; admins get links into Django admin."""
    locations = selectors.location_list().with_tree_fields().select_related("parent")
    return render(request, "stock/location_list.html", {"locations": locations})
