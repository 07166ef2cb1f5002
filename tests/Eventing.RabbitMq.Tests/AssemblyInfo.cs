// Broker restarts in some tests would disturb every other test running at the same time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
