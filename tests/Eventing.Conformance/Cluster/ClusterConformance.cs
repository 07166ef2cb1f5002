namespace Eventing.Conformance.Cluster;

/// <summary>
/// A provider on a three-node RabbitMQ cluster with quorum queues while nodes are killed with SIGKILL: every send
/// that returned is delivered (duplicates are counted and allowed), no send fails, and the consumer resumes within
/// <see cref="ResumeWithin"/> of each fault. Both hosts are given the nodes in the order 1, 2, 3, so they connect to
/// node 1 and fail over from there; a queue's leader is placed by declaring the queue first through one node alone
/// (RabbitMQ puts a new quorum queue's leader on the declaring connection's node).
/// Concrete classes must have <c>ClusterFailover</c> in their name: CI runs them on their own, on the cluster.
/// </summary>
public abstract class ClusterConformance<TTarget>(TTarget target) : FaultStreamTests<TTarget>(target)
    where TTarget : ConformanceTarget, IClusterTarget
{
    /// <summary>How soon after a node was killed (or came back) the consumer must be receiving again.</summary>
    protected static readonly TimeSpan ResumeWithin = TimeSpan.FromSeconds(10);

    private static readonly ProviderSettings InNodeOrder = new() { Nodes = [1, 2, 3] };

    private RabbitMqCluster Cluster => Target.Cluster;

    [Fact]
    public async Task Every_returned_send_is_delivered_when_the_connected_node_is_killed()
    {
        // The leader lives elsewhere, so this fault takes away only the clients' node.
        const string listener = "cluster-connected";
        await PlaceLeaderAsync<ConnectedNodeKilledEvent>("conformance.cluster.connected-node", listener, leader: 3);
        await WithNodesRestoredAsync(killed => RunStreamAsync(
            listener, "cluster: connected node killed, then rejoined", "conformance.cluster.connected-node", (run, seq) => new ConnectedNodeKilledEvent(run, seq),
            [5_000, 12_000],
            step => step == 0 ? killed(1) : Cluster.StartAsync(1),
            ResumeWithin, InNodeOrder, holdForFaults: true));
    }

    [Fact]
    public async Task Every_returned_send_is_delivered_when_the_queue_leader_node_is_killed()
    {
        // The clients stay connected to node 1; the queue elects a new leader among the two nodes left.
        const string listener = "cluster-leader";
        const string eventName = "conformance.cluster.leader-node";
        await PlaceLeaderAsync<LeaderNodeKilledEvent>(eventName, listener, leader: 2);
        await WithNodesRestoredAsync(killed => RunStreamAsync(
            listener, "cluster: queue leader killed, then rejoined", eventName, (run, seq) => new LeaderNodeKilledEvent(run, seq),
            [5_000, 12_000],
            async step =>
            {
                if (step == 0)
                {
                    Assert.Equal(2, await Cluster.LeaderAsync(Queue(eventName, Listener(listener))));
                    await killed(2);
                }
                else
                {
                    await Cluster.StartAsync(2);
                }
            },
            ResumeWithin, InNodeOrder, holdForFaults: true));
    }

    [Fact]
    public async Task Every_returned_send_is_delivered_when_a_killed_node_rejoined_and_another_is_killed()
    {
        // Node 1 dies and comes back; then node 2, where the clients went, dies. With node 2 gone, the queue's
        // majority and the clients' next node is the rejoined node 1: the stream goes on only if it really rejoined.
        const string listener = "cluster-rejoin";
        await PlaceLeaderAsync<RejoinedNodeEvent>("conformance.cluster.rejoin", listener, leader: 3);
        await WithNodesRestoredAsync(killed => RunStreamAsync(
            listener, "cluster: node killed, rejoined, another killed", "conformance.cluster.rejoin", (run, seq) => new RejoinedNodeEvent(run, seq),
            [4_000, 8_000, 12_000, 16_000],
            step => step switch
            {
                0 => killed(1),
                1 => Cluster.StartAsync(1),
                2 => killed(2),
                _ => Cluster.StartAsync(2),
            },
            ResumeWithin, InNodeOrder, holdForFaults: true));
    }

    /// <summary>Declares the listener's queue through node <paramref name="leader"/> alone, so its leader is there.</summary>
    private async Task PlaceLeaderAsync<TEvent>(string eventName, string listener, int leader)
        where TEvent : IConformanceEvent
    {
        await using (var placing = await TestHost.StartAsync(Target, new ProviderSettings { Nodes = [leader] }))
        {
            await using var subscription = await placing.Events.SubscribeAsync<TEvent>(Listener(listener), (_, _, _) => default);
        }

        Assert.Equal(leader, await Cluster.LeaderAsync(Queue(eventName, Listener(listener))));
    }

    /// <summary>Runs <paramref name="test"/> and starts again every node it killed, whatever the outcome.</summary>
    private async Task WithNodesRestoredAsync(Func<Func<int, Task>, Task> test)
    {
        var killed = new HashSet<int>();
        try
        {
            await test(async node =>
            {
                killed.Add(node);
                await Cluster.KillAsync(node);
            });
        }
        finally
        {
            foreach (var node in killed)
            {
                await Cluster.StartAsync(node);
            }
        }
    }
}
