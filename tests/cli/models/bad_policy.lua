-- A model with a filtering policy that does not exist.
return {
  mapping = "endpoint-independent",
  filtering = "sometimes",
}
