from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

CLERK_PERMISSIONS = (
    "documents.handle_case",
    "documents.view_case",
    "documents.view_incomingentry",
    "documents.view_outgoingdocument",
    "documents.view_jrwaclass",
)


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("EZD: documents and cases")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core import roles

        for role in (roles.TAX_CLERK, roles.ACCOUNTANT, roles.POPULATION_CLERK):
            roles.grant(role, *CLERK_PERMISSIONS)
        roles.grant(
            roles.HEAD_OF_UNIT,
            *CLERK_PERMISSIONS,
            "documents.assign_entry",
            "documents.supervise_unit",
            "documents.approve_document",
            "documents.sign_document",
        )
        roles.grant(
            roles.REGISTRY_CLERK,
            "documents.view_incomingentry",
            "documents.register_mail",
            "documents.view_register",
            "documents.dispatch_mail",
            "documents.register_receipt",
            "documents.manage_archive",
            "documents.view_jrwaclass",
            "documents.view_emailintake",
        )
        roles.grant(
            roles.ADMINISTRATOR,
            *CLERK_PERMISSIONS,
            "documents.view_all_cases",
            "documents.view_register",
            "documents.register_mail",
            "documents.assign_entry",
            "documents.approve_document",
            "documents.sign_document",
            "documents.dispatch_mail",
            "documents.register_receipt",
            "documents.manage_archive",
            "documents.manage_templates",
            "documents.view_emailintake",
            "documents.add_jrwaclass",
            "documents.change_jrwaclass",
            "documents.add_assignmentrule",
            "documents.change_assignmentrule",
            "documents.view_assignmentrule",
            "documents.add_deadlinerule",
            "documents.view_deadlinerule",
            "documents.add_documenttemplate",
            "documents.view_documenttemplate",
        )
        from documents import hooks

        hooks.register()
