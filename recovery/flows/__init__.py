"""One module per recovery journey: a flow object and the delivery it enqueues."""
