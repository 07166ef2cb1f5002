namespace Eventing.Amqp.Topology;

/// <summary>
/// An <see cref="IAmqpProvisioner"/> that also declares the delay queues of listeners with delayed retries, in
/// <see cref="IAmqpProvisioner.ProvisionListenerAsync"/>. Internal so a provisioner of one's own does not claim it by
/// accident: without it, a topology that needs provisioning refuses delayed retries instead of sending to queues that
/// nobody declared.
/// </summary>
internal interface IAmqpDelayProvisioner : IAmqpProvisioner;
