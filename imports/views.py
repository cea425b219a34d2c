"""The imports page for admins: upload, a preview with the errors, download the errors, apply, progress.

While a job runs the detail page refreshes itself (``<meta http-equiv=refresh>``), so it works without JavaScript.
"""


from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from imports import export, selectors, services
from imports.files import MAX_FILE_BYTES
from imports.forms import ImportForm
from imports.models import Import, ImportKind, ImportStatus, RowStatus
from inventory_site.exceptions import DomainError
from inventory_site.web import admin_required, paginate

REFRESH_SECONDS = 2


@admin_required
@require_http_methods(["GET", "POST"])
def import_list(request):
    status = 200
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            job, status = _upload(request, form)
            if job is not None:
                messages.success(request, _("File read: %(rows)s rows. Validating…") % {"rows": job.count_rows})
                return redirect("imports:detail", pk=job.pk)
        else:
            status = 400
    else:
        form = ImportForm()
    imports = paginate(request, selectors.import_list())
    return render(request, "imports/import_list.html", {"form": form, "page": imports}, status=status)


def _upload(request, form) -> tuple[Import | None, int]:
    uploaded, location = form.cleaned_data["file"], form.cleaned_data["location"]
    try:
        services.check_size(uploaded.size)
        if location is not None and form.cleaned_data["kind"] != ImportKind.STOCK:
            location = None  # a location means nothing to a products file
        job = services.create_import(
            actor=request.user,
            kind=form.cleaned_data["kind"],
            data=uploaded.read(MAX_FILE_BYTES + 1),
            file_name=uploaded.name or "",
            location_id=location.pk if location else None,
        )
    except DomainError as error:
        messages_for_file = (error.errors or {}).get("file") or [error.message]
        for message in messages_for_file:
            form.add_error("file", message)
        return None, error.status
    return job, 201


@admin_required
@require_GET
def import_detail(request, pk):
    job = get_object_or_404(selectors.import_list(), pk=pk)
    wanted = request.GET.get("status") or ""
    if wanted not in RowStatus.values:
        wanted = ""
    rows = paginate(request, selectors.import_rows(job, status=wanted or None).order_by("row_number"), default_size=50)
    for row in rows:
        row.cells = [row.data.get(column, "") for column in job.columns]
    context = {
        "job": job,
        "rows": rows,
        "page": rows,
        "status_filter": wanted,
        "statuses": RowStatus.choices,
        "refresh": REFRESH_SECONDS if job.is_running else None,
        "can_apply": job.status == ImportStatus.READY
        or (job.status == ImportStatus.FAILED and job.apply_started_at is not None),
    }
    return render(request, "imports/import_detail.html", context)


@admin_required
@require_POST
def import_apply(request, pk):
    job = get_object_or_404(Import, pk=pk)
    try:
        job, started = services.request_apply(
            actor=request.user, job=job, skip_invalid=request.POST.get("skip_invalid") == "true"
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if not started:
            messages.info(request, _("This import was applied already: nothing more was written."))
        else:
            messages.success(request, _("Applying the valid rows…"))
    return redirect("imports:detail", pk=pk)


@admin_required
@require_GET
def import_errors(request, pk):
    return export.errors_csv(get_object_or_404(Import, pk=pk))
