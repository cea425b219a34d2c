"""The product page (figures per location, recent movements, open reservations) and our own add and edit
pages for admins. Reads come from stock.selectors; writes go through catalog.services and stock.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from catalog import services as catalog_services
from catalog.forms import ProductForm
from inventory_site.exceptions import DomainError, NotFound, PermissionDenied
from inventory_site.web import (
    FormToken,
    claim_posted_form_token,
    issue_form_token,
    record_spent_form_token,
    spent_form_token_url,
)
from stock import selectors, services
from stock.forms import ProductCreateForm

ADMINS_ONLY = "Only an admin may add or edit products."
ALREADY_SAVED = gettext_lazy("This form was already submitted: it was saved once, not a second time.")
EXPIRED = gettext_lazy("This form had expired: nothing was saved. Check it and save again.")


def _product(pk: int):
    product = selectors.product_page(pk)
    if product is None:
        raise NotFound(_("No product with this id."))
    return product


@login_required
@require_GET
def product_detail(request, pk):
    product = _product(pk)
    return render(request, "stock/product_detail.html", {"product": product})


def _admin_only(request) -> None:
    if not getattr(request.user, "is_admin", False):
        raise PermissionDenied(_(ADMINS_ONLY))


def _form_page(request, form_class, *, initial: dict, submit, template_context: dict):
    """GET: a fresh form; POST: spend its one-time token, then ``submit(form)`` -> the product (a DomainError
    re-shows the form as typed with the error on its field). Success lands on the product page."""
    if request.method == "GET":
        form = form_class(initial={"form_token": issue_form_token(request), **initial})
        return render(request, "stock/product_form.html", {"form": form, **template_context})
    form = form_class(request.POST)
    token, state = claim_posted_form_token(request, spent=ALREADY_SAVED, expired=EXPIRED)
    if state == FormToken.SPENT:
        return redirect(spent_form_token_url(request, token) or "stock:product-list")
    if state == FormToken.UNKNOWN:
        form.is_valid()
    elif form.is_valid():
        try:
            product, message = submit(form)
        except DomainError as error:
            form.add_service_error(error)
        else:
            messages.success(request, message)
            url = reverse("stock:product-detail", kwargs={"pk": product.pk})
            record_spent_form_token(request, token, url)
            return redirect(url)
    form.renew_token(request)
    return render(request, "stock/product_form.html", {"form": form, **template_context}, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def product_create(request):
    _admin_only(request)

    def submit(form):
        data = form.cleaned_data
        location = data.get("location")
        product, receipt = services.create_product_with_stock(
            actor=request.user,
            opening_quantity=data.get("opening_quantity") or 0,
            location_id=location.pk if location else None,
            **form.product_fields(),
        )
        message = _("Product %(sku)s created.") % {"sku": product.sku}
        if receipt is not None:
            message += " " + _("Opening stock %(quantity)s recorded at %(location)s by %(number)s.") % {
                "quantity": data["opening_quantity"],
                "location": receipt.location.code,
                "number": receipt.number,
            }
        return product, message

    return _form_page(
        request,
        ProductCreateForm,
        initial={},
        submit=submit,
        template_context={"title": _("Add product"), "product": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def product_edit(request, pk):
    _admin_only(request)
    product = _product(pk)

    def submit(form):
        updated = catalog_services.update_product(actor=request.user, product=product, **form.product_fields())
        return updated, _("Product %(sku)s saved.") % {"sku": updated.sku}

    return _form_page(
        request,
        ProductForm,
        initial=ProductForm.initial_of(product),
        submit=submit,
        template_context={"title": _("Edit %(sku)s") % {"sku": product.sku}, "product": product},
    )
