"""One HTTP attempt within its deadline: the only code that reaches into httpcore and anyio
(`attempt`, the clamped sync backend `clamped`, the bounded body `body`)."""
