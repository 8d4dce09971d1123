from rest_framework.routers import DefaultRouter

from agents.api import views

router = DefaultRouter()
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("sites", views.SiteViewSet, basename="site")
router.register("license-keys", views.LicenseKeyViewSet, basename="license-key")
router.register("agents", views.AgentViewSet, basename="agent")

urlpatterns = router.urls
