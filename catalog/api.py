"""Catalogue API: input serializer -> service -> output serializer. Admins write; everyone signed in reads."""

import django_filters
from django.db.models import Q
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from accounts.permissions import IsAdminOrReadOnly
from catalog import selectors, services
from catalog.models import Category, Product, Supplier
from catalog.serializers import (
    CategoryInputSerializer,
    CategorySerializer,
    ProductCreateSerializer,
    ProductSerializer,
    ProductUpdateSerializer,
    SupplierInputSerializer,
    SupplierSerializer,
)
from inventory_site.api.docs import IDEMPOTENCY_KEY, PAGE_PARAMETERS, problem_responses, sort_parameters
from inventory_site.api.filters import StrictBooleanFilter, TextFilter
from inventory_site.api.idempotency import idempotent
from inventory_site.api.sorting import SortMixin

DELETED = {204: OpenApiResponse(description="Deleted")}


def validated(serializer_class, request, **kwargs) -> dict:
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def found(obj):
    if obj is None:
        raise NotFound("No such object.")
    return obj


def lookup(model, pk):
    return found(model.objects.filter(pk=pk).first())


class ListApi(SortMixin, GenericAPIView):
    """GET a filtered, sorted page of ``get_queryset()`` rendered with ``serializer_class``."""

    permission_classes = [IsAdminOrReadOnly]

    def get(self, request):
        queryset = self.sort(self.filter_queryset(self.get_queryset()))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


# --- categories ------------------------------------------------------------------------------


class CategoryFilter(django_filters.FilterSet):
    name = TextFilter(field_name="name", lookup_expr="icontains")


CATEGORY_SORTS = {"name": "name", "product_count": "product_count", "id": "id"}


@extend_schema(tags=["categories"])
class CategoryListApi(ListApi):
    serializer_class = CategorySerializer
    filterset_class = CategoryFilter
    sort_fields = CATEGORY_SORTS
    default_sort = "name"

    def get_queryset(self):
        return selectors.category_list()

    @extend_schema(
        parameters=[*PAGE_PARAMETERS, *sort_parameters(CATEGORY_SORTS)],
        responses={200: CategorySerializer(many=True), **problem_responses(400, 401)},
    )
    def get(self, request):
        return super().get(request)

    @extend_schema(
        request=CategoryInputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: CategorySerializer, **problem_responses(400, 401, 403, 409)},
    )
    @idempotent
    def post(self, request):
        category = services.create_category(actor=request.user, **validated(CategoryInputSerializer, request))
        return Response(CategorySerializer(selectors.category_detail(category.pk)).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["categories"])
class CategoryDetailApi(GenericAPIView):
    permission_classes = [IsAdminOrReadOnly]
    serializer_class = CategorySerializer

    @extend_schema(responses={200: CategorySerializer, **problem_responses(401, 404)})
    def get(self, request, pk):
        return Response(CategorySerializer(found(selectors.category_detail(pk))).data)

    @extend_schema(
        request=CategoryInputSerializer,
        responses={200: CategorySerializer, **problem_responses(400, 401, 403, 404, 409)},
    )
    def patch(self, request, pk):
        category = lookup(Category, pk)
        data = validated(CategoryInputSerializer, request, partial=True)
        services.update_category(actor=request.user, category=category, **data)
        return Response(CategorySerializer(selectors.category_detail(pk)).data)

    @extend_schema(responses={**DELETED, **problem_responses(401, 403, 404, 409)})
    def delete(self, request, pk):
        services.delete_category(actor=request.user, category=lookup(Category, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- suppliers -------------------------------------------------------------------------------


class SupplierFilter(django_filters.FilterSet):
    name = TextFilter(field_name="name", lookup_expr="icontains")
    is_active = StrictBooleanFilter(field_name="is_active")


SUPPLIER_SORTS = {"name": "name", "id": "id"}


@extend_schema(tags=["suppliers"])
class SupplierListApi(ListApi):
    serializer_class = SupplierSerializer
    filterset_class = SupplierFilter
    sort_fields = SUPPLIER_SORTS
    default_sort = "name"

    def get_queryset(self):
        return selectors.supplier_list()

    @extend_schema(
        parameters=[*PAGE_PARAMETERS, *sort_parameters(SUPPLIER_SORTS)],
        responses={200: SupplierSerializer(many=True), **problem_responses(400, 401)},
    )
    def get(self, request):
        return super().get(request)

    @extend_schema(
        request=SupplierInputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: SupplierSerializer, **problem_responses(400, 401, 403, 409)},
    )
    @idempotent
    def post(self, request):
        supplier = services.create_supplier(actor=request.user, **validated(SupplierInputSerializer, request))
        return Response(SupplierSerializer(supplier).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["suppliers"])
class SupplierDetailApi(GenericAPIView):
    permission_classes = [IsAdminOrReadOnly]
    serializer_class = SupplierSerializer

    @extend_schema(responses={200: SupplierSerializer, **problem_responses(401, 404)})
    def get(self, request, pk):
        return Response(SupplierSerializer(lookup(Supplier, pk)).data)

    @extend_schema(
        request=SupplierInputSerializer, responses={200: SupplierSerializer, **problem_responses(400, 401, 403, 404)}
    )
    def patch(self, request, pk):
        supplier = lookup(Supplier, pk)
        data = validated(SupplierInputSerializer, request, partial=True)
        return Response(
            SupplierSerializer(services.update_supplier(actor=request.user, supplier=supplier, **data)).data
        )

    @extend_schema(responses={**DELETED, **problem_responses(401, 403, 404, 409)})
    def delete(self, request, pk):
        services.delete_supplier(actor=request.user, supplier=lookup(Supplier, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- products --------------------------------------------------------------------------------


class ProductFilter(django_filters.FilterSet):
    category_id = django_filters.NumberFilter(field_name="category_id")
    name = TextFilter(field_name="name", lookup_expr="icontains")
    search = TextFilter(method="filter_search", help_text="Name or SKU contains.")
    is_active = StrictBooleanFilter(field_name="is_active")
    low_stock = StrictBooleanFilter(method="filter_low_stock", help_text="available <= min_quantity")

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(sku__icontains=value))

    def filter_low_stock(self, queryset, name, value):
        return queryset if value is None else selectors.low_stock(queryset, value)


PRODUCT_SORTS = {
    "name": "name",
    "sku": "sku",
    "created_at": "created_at",
    "unit_price": "unit_price",
    "available": "available",
}


@extend_schema(tags=["products"])
class ProductListApi(ListApi):
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    sort_fields = PRODUCT_SORTS
    default_sort = "name"

    def get_queryset(self):
        return selectors.product_list()

    @extend_schema(
        parameters=[*PAGE_PARAMETERS, *sort_parameters(PRODUCT_SORTS)],
        responses={200: ProductSerializer(many=True), **problem_responses(400, 401)},
    )
    def get(self, request):
        return super().get(request)

    @extend_schema(
        request=ProductCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: ProductSerializer, **problem_responses(400, 401, 403, 409)},
    )
    @idempotent
    def post(self, request):
        product = services.create_product(actor=request.user, **validated(ProductCreateSerializer, request))
        return Response(ProductSerializer(selectors.product_detail(product.pk)).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["products"])
class ProductDetailApi(GenericAPIView):
    permission_classes = [IsAdminOrReadOnly]
    serializer_class = ProductSerializer

    @extend_schema(responses={200: ProductSerializer, **problem_responses(401, 404)})
    def get(self, request, pk):
        return Response(ProductSerializer(found(selectors.product_detail(pk))).data)

    @extend_schema(
        request=ProductUpdateSerializer,
        responses={200: ProductSerializer, **problem_responses(400, 401, 403, 404, 409)},
    )
    def patch(self, request, pk):
        product = lookup(Product, pk)
        services.update_product(actor=request.user, product=product, **validated(ProductUpdateSerializer, request))
        return Response(ProductSerializer(selectors.product_detail(pk)).data)

    @extend_schema(responses={**DELETED, **problem_responses(401, 403, 404, 409)})
    def delete(self, request, pk):
        services.delete_product(actor=request.user, product=lookup(Product, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
