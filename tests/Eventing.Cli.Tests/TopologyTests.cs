namespace Eventing.Cli.Tests;

/// <summary><c>eventing topology</c>: the names each provider describes, and what survives where.</summary>
public sealed class TopologyTests
{
    [Fact]
    public async Task Topology_names_the_queues_and_says_where_structured_mode_is_needed()
    {
        var run = await CliProcess.RunAsync(["topology", "--provider", "amqp", "--event", "orders.placed", "--listener", "billing"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("address\t/topic/orders.placed", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("queue\t/amq/queue/orders.placed::billing", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("dead-letter queue\t/amq/queue/orders.placed::billing.dead-letter", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("AMQP 1.0\tSTOMP\tnone readable", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("NEEDS STRUCTURED MODE", run.Stdout, StringComparison.Ordinal);

        var stomp = await CliProcess.RunAsync(["topology", "--provider", "stomp", "--stomp-topology", "activemq", "--event", "orders.placed", "--listener", "billing.eu"]);
        Assert.True(stomp.ExitCode == 0, stomp.ToString());
        Assert.Contains("/queue/Consumer.billing_2Eeu.VirtualTopic.orders.placed", stomp.Stdout, StringComparison.Ordinal);
    }


    [Fact]
    public async Task Rabbitmq_topology_prints_the_providers_names_as_tab_separated_rows_without_a_broker()
    {
        var run = await CliProcess.RunAsync(["topology", "--provider", "rabbitmq", "--exchange", "orders", "--event", "orders.placed", "--listener", "billing"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(
        [
            "rabbitmq\taddress\torders\ttopic exchange, routing key orders.placed",
            "rabbitmq\tqueue\torders.placed::billing\tdurable, bound to orders with key orders.placed",
            "rabbitmq\tdead-letter queue\torders.placed::billing.dead-letter\tdurable, through the default exchange",
        ], run.StdoutLines.Where(line => line.StartsWith("rabbitmq\t", StringComparison.Ordinal)));
        Assert.Contains("path\tAMQP 0-9-1\tAMQP 1.0\tonly id, content type, correlation id", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stomp_topology_without_a_broker_shows_every_mapping_and_its_paths()
    {
        var run = await CliProcess.RunAsync(["topology", "--provider", "stomp", "--event", "orders.placed", "--listener", "billing"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        foreach (var kind in new[] { "stomp/activemq", "stomp/rabbitmq", "stomp/artemis" })
        {
            Assert.Contains(kind + "\tqueue\t", run.Stdout, StringComparison.Ordinal);
        }

        Assert.Contains("path\tSTOMP on ActiveMQ\t", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("path\tSTOMP\tAMQP 1.0\t", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("path\tSTOMP on Artemis\t", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stomp_topology_with_a_broker_asks_it_which_mapping_applies()
    {
        var run = await CliProcess.RunAsync(["topology", .. await Target.StompActiveMq.FlagsAsync(), "--event", "orders.placed", "--listener", "billing"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("stomp/activemq\tqueue\t/queue/Consumer.billing.VirtualTopic.orders.placed", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("stomp/rabbitmq", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("stomp/artemis", run.Stdout, StringComparison.Ordinal);
    }
}
