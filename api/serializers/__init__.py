"""Input and output serializers of the API, one module per resource. They validate and present; they never write."""
