from django.urls import path

from agents.views import credentials, customers, discovery, downloads, keys, results, sites

credential_new = credentials.CredentialCreateView.as_view()  # for a site or a customer
credential_panel = credentials.SiteCredentialsPanelView.as_view()  # polled while a test runs
agent_checksum = downloads.AgentPackageChecksumView.as_view()  # `sha256sum -c` format

urlpatterns = [
    path("customers/", customers.CustomerListView.as_view(), name="customer-list"),
    path("customers/new/", customers.CustomerCreateView.as_view(), name="customer-create"),
    path("customers/<uuid:public_id>/", customers.CustomerDetailView.as_view(), name="customer-detail"),
    path("customers/<uuid:public_id>/edit/", customers.CustomerUpdateView.as_view(), name="customer-edit"),
    path("customers/<uuid:public_id>/archive/", customers.CustomerArchiveView.as_view(), name="customer-archive"),
    path("customers/<uuid:customer_id>/sites/new/", sites.SiteCreateView.as_view(), name="site-create"),
    path("sites/<uuid:public_id>/", sites.SiteDetailView.as_view(), name="site-detail"),
    path("sites/<uuid:public_id>/edit/", sites.SiteUpdateView.as_view(), name="site-edit"),
    path("sites/<uuid:public_id>/archive/", sites.SiteArchiveView.as_view(), name="site-archive"),
    path("sites/<uuid:public_id>/scan-progress/", discovery.SiteScanProgressView.as_view(), name="site-scan-progress"),
    path("sites/<uuid:public_id>/keys/", keys.LicenseKeyCreateView.as_view(), name="key-create"),
    path("keys/<uuid:public_id>/revoke/", keys.LicenseKeyRevokeView.as_view(), name="key-revoke"),
    path("sites/<uuid:site_id>/credentials/new/", credential_new, name="site-credential-create"),
    path("sites/<uuid:public_id>/credentials/", credential_panel, name="site-credentials-panel"),
    path("customers/<uuid:customer_id>/credentials/new/", credential_new, name="customer-credential-create"),
    path("credentials/<uuid:public_id>/edit/", credentials.CredentialUpdateView.as_view(), name="credential-edit"),
    path("credentials/<uuid:public_id>/remove/", credentials.CredentialRemoveView.as_view(), name="credential-remove"),
    path("credentials/<uuid:public_id>/move/", credentials.CredentialMoveView.as_view(), name="credential-move"),
    path("results/<uuid:public_id>/reinterpret/", results.ResultRetryView.as_view(), name="result-retry"),
    path("agents/", keys.AgentListView.as_view(), name="agent-list"),
    path("downloads/meterbridge-agent.pyz", downloads.AgentPackageView.as_view(), name="agent-download"),
    path("downloads/meterbridge-agent.pyz.sha256", agent_checksum, name="agent-download-sha256"),
    path("downloads/<str:name>", downloads.InstallScriptView.as_view(), name="agent-install-script"),
    path("agents/<uuid:public_id>/revoke/", keys.AgentRevokeView.as_view(), name="agent-revoke"),
    path("agents/<uuid:public_id>/rename/", keys.AgentRenameView.as_view(), name="agent-rename"),
    path("agents/<uuid:public_id>/rotate-token/", keys.AgentTokenRotateView.as_view(), name="agent-rotate-token"),
]
