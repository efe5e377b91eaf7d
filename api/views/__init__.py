"""HTTP only: each handler validates with an input serializer, calls one selector or service, and
answers with an output serializer. No queries and no business rules live here."""
