from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.views.generic import CreateView, DetailView, ListView, UpdateView, View

from agents.forms import CustomerForm
from agents.models import Customer
from agents.services import customers as svc
from agents.views.permissions import KeyManagerRequiredMixin
from portal.lib.views import DealerPageMixin, EditorRequiredMixin, PublicIdObjectMixin


class CustomerListView(DealerPageMixin, ListView):
    template_name = "agents/customer_list.html"
    paginate_by = 50

    def get_queryset(self):
        show = self.request.GET.get("show", "active")
        queryset = Customer.objects.all() if show == "all" else Customer.objects.active()
        query = self.request.GET.get("q", "").strip()
        if query:
            queryset = queryset.filter(Q(name__icontains=query) | Q(account_number__icontains=query))
        active_sites = Count("sites", filter=Q(sites__archived_at__isnull=True), distinct=True)
        return queryset.annotate(site_count=active_sites).order_by("name")


class CustomerDetailView(DealerPageMixin, PublicIdObjectMixin, DetailView):
    model = Customer
    template_name = "agents/customer_detail.html"
    context_object_name = "customer"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sites"] = self.object.sites.order_by("archived_at", "name").prefetch_related("agents")
        return context


class CustomerCreateView(EditorRequiredMixin, CreateView):
    form_class = CustomerForm
    template_name = "agents/customer_form.html"

    def form_valid(self, form):
        customer = svc.customer_create(**form.cleaned_data)
        messages.success(self.request, f"Customer {customer.name} created. Add its first site.")
        return redirect("site-create", customer_id=customer.public_id)


class CustomerUpdateView(EditorRequiredMixin, PublicIdObjectMixin, UpdateView):
    model = Customer
    form_class = CustomerForm
    template_name = "agents/customer_form.html"
    context_object_name = "customer"

    def form_valid(self, form):
        customer = svc.customer_update(customer=self.object, **form.cleaned_data)
        messages.success(self.request, f"Saved {customer.name}.")
        return redirect("customer-detail", public_id=customer.public_id)


class CustomerArchiveView(KeyManagerRequiredMixin, PublicIdObjectMixin, View):
    model = Customer

    def post(self, request, public_id):
        customer = self.get_object()
        if request.POST.get("restore"):
            svc.customer_restore(customer=customer)
            messages.success(request, f"{customer.name} is active again. Its sites stay archived until restored.")
        else:
            svc.customer_archive(customer=customer)
            messages.success(request, f"{customer.name} archived; its keys and agents are switched off.")
        return redirect("customer-detail", public_id=customer.public_id)
