from django.contrib import messages
from django.shortcuts import redirect
from django.views.generic import CreateView, DetailView, ListView, UpdateView, View

from agents import selectors
from agents.filtersets import CustomerFilterSet
from agents.forms import CustomerForm
from agents.models import Customer
from agents.services import customers as svc
from agents.views.permissions import KeyManagerRequiredMixin
from portal.lib.pagination import ForgivingPageMixin
from portal.lib.views import DealerPageMixin, EditorRequiredMixin, PublicIdObjectMixin


class CustomerListView(DealerPageMixin, ForgivingPageMixin, ListView):
    template_name = "agents/customer_list.html"
    paginate_by = 50

    def get_queryset(self):
        return CustomerFilterSet(self.request.GET, queryset=selectors.customer_list()).qs  # as the API's list


class CustomerDetailView(DealerPageMixin, PublicIdObjectMixin, DetailView):
    model = Customer
    template_name = "agents/customer_detail.html"
    context_object_name = "customer"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sites"] = selectors.customer_sites(customer=self.object)
        return context


class CustomerCreateView(EditorRequiredMixin, CreateView):
    form_class = CustomerForm
    template_name = "agents/customer_form.html"

    def form_valid(self, form):
        customer = svc.customer_create(**form.cleaned_data)
        also = " and its report recipients" if customer.report_emails else ""
        messages.success(
            self.request,
            f"Customer {customer.name} created, with a monthly meter report on the 1st sent to you{also}; change or "
            "remove it under Meter reports on the customer's page. Add its first site.",
        )
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
