"""Reads of the catalogue, without stock figures (those are stock.selectors')."""

from django.db.models import Count, QuerySet

from catalog.models import Category, Supplier


def category_list() -> QuerySet:
    return Category.objects.annotate(product_count=Count("products"))


def category_detail(pk: int) -> Category | None:
    return category_list().filter(pk=pk).first()


def supplier_list() -> QuerySet:
    return Supplier.objects.all()
