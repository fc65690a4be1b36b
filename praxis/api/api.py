from ninja import NinjaAPI

api = NinjaAPI(title="Praxis API", version="1", urls_namespace="api")
