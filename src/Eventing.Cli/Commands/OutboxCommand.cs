using System.CommandLine;
using System.Data.Common;
using System.Globalization;
using Eventing.Cli.Configuration;
using Eventing.Cli.Output;
using Eventing.Cli.Providers;
using Eventing.Outbox;
using Eventing.Outbox.Storage;
using Eventing.Providers;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Eventing.Cli.Commands;

/// <summary><c>eventing outbox flush</c>: sends what an application's outbox left pending, while the application is down.</summary>
internal static class OutboxCommand
{
    private const string Rabbit = "-p rabbitmq -b amqp://guest:guest@127.0.0.1:5672/";

    public static readonly string[] Examples =
    [
        $"eventing outbox flush --store sqlite --connection \"Data Source=/var/lib/orders/orders.db\" {Rabbit}",
        $"eventing outbox flush --ordered --store postgresql --connection \"Host=db;Database=orders;Username=app;Password=…\" --table app.eventing_outbox {Rabbit}",
        "*/5 * * * * EVENTING_OUTBOX_STORE=sqlite EVENTING_OUTBOX_CONNECTION=\"Data Source=/var/lib/orders/orders.db\" EVENTING_PROVIDER=rabbitmq EVENTING_BROKER=amqp://orders:…@mq/ eventing outbox flush",
    ];

    public static Command Create(ConnectionOptions connection, Dictionary<Command, string[]> examples)
    {
        var command = new Command("outbox", "Work on an application's transactional outbox (Eventing.Outbox) without the application.");
        var storeOptions = new OutboxStoreOptions();
        var ordered = new Option<bool>("--ordered")
        {
            Description = "Send the events of each ordering key in commit order, one at a time (like the app's ordered mode). Default: many sends in flight.",
        };
        var flush = new Command("flush",
            "Send every pending outbox event once, with its recorded id, time, source and headers, delete its row, and exit. " +
            "Needs no event types: rows carry the event name and envelope. For cron while the application is down; " +
            "while it runs, a relay of the app would send the same rows too. Exit 0 when all were sent, 2 when the broker " +
            "(or the database) cannot be reached or refuses sends: the unsent rows stay pending.")
        {
            ordered,
        };
        storeOptions.AddTo(flush);
        connection.AddTo(flush);
        command.Add(flush);
        examples[command] = Examples;
        examples[flush] = Examples;

        flush.SetAction((result, cancellationToken) => CommandRunner.RunAsync(result, async ct =>
        {
            var settings = connection.Resolve(result);
            var store = storeOptions.Resolve(result, connection);
            settings.RequireBroker();
            return await FlushAsync(settings, store, result.GetValue(ordered), ct).ConfigureAwait(false);
        }, cancellationToken));
        return command;
    }

    private static async Task<int> FlushAsync(ConnectionSettings settings, OutboxStoreSettings store, bool ordered, CancellationToken cancellationToken)
    {
        // The same configuration an application uses, minus its event types: the flusher sends rows by event name.
        var services = new ServiceCollection();
        services.AddEventing(events => ProviderFactory.Use(events, settings).AddOutbox(outbox =>
        {
            _ = store.Kind == OutboxStoreKind.Sqlite ? outbox.UseSqlite(store.ConnectionString) : outbox.UsePostgreSql(store.ConnectionString);
            outbox.Configure(options =>
            {
                options.TableName = store.Table;
                options.RunRelay = false;

                // The application owns the schema: a wrong --table must fail, not create an empty table and report "0 sent".
                options.CreateSchema = false;
            });
        }));

        await using var container = services.BuildServiceProvider();
        container.GetService<IStartupValidator>()?.Validate();
        var outboxStore = container.GetRequiredService<IOutboxStore>();

        // The provider's name shows its endpoint with the password masked.
        var broker = container.GetRequiredService<IProvider>().Name;
        var hosted = container.GetServices<IHostedService>().ToList();
        var started = new List<IHostedService>(hosted.Count);
        try
        {
            // Connects to the broker first: an unreachable broker is exit 2 before any row is touched.
            foreach (var service in hosted)
            {
                await service.StartAsync(cancellationToken).ConfigureAwait(false);
                started.Add(service);
            }

            OutboxFlushResult flushed;
            try
            {
                flushed = await container.GetRequiredService<OutboxFlusher>().FlushAsync(ordered, cancellationToken).ConfigureAwait(false);
            }
            catch (DbException exception)
            {
                throw Translate(exception, outboxStore.Name, store.Table);
            }

            var mode = ordered ? " in commit order" : "";
            if (flushed.Failed == 0)
            {
                Terminal.Line($"sent {flushed.Sent} pending event(s){mode} from {outboxStore.Name} to {broker}");
                if (flushed.NextDueAt is { } next)
                {
                    Terminal.Line(string.Create(
                        CultureInfo.InvariantCulture,
                        $"{flushed.Scheduled} scheduled event(s) are not due yet and stay in the outbox; the first is due at {next.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC"));
                }

                return ExitCodes.Success;
            }

            var why = flushed.FirstFailure is { } failure ? ": " + failure.Message : "";
            Terminal.Error($"sent {flushed.Sent} pending event(s){mode} from {outboxStore.Name} to {broker}; " +
                $"{flushed.Failed} could not be sent and stay pending{why}");
            return ExitCodes.Unreachable;
        }
        finally
        {
            for (var i = started.Count - 1; i >= 0; i--)
            {
                await started[i].StopAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private static Exception Translate(DbException exception, string store, string table) => exception switch
    {
        SqliteException { SqliteErrorCode: 1 } when exception.Message.Contains("no such table", StringComparison.OrdinalIgnoreCase) => MissingTable(store, table),
        PostgresException { SqlState: "42P01" or "3F000" } => MissingTable(store, table),

        // 28xxx: authentication; 3D000: no such database; a plain NpgsqlException: no connection at all.
        PostgresException { SqlState: var state } when state.StartsWith("28", StringComparison.Ordinal) || state == "3D000" => Unreachable(store, exception),
        PostgresException => exception,
        NpgsqlException => Unreachable(store, exception),
        SqliteException { SqliteErrorCode: 14 } => Unreachable(store, exception),
        _ => exception,
    };

    private static UsageException MissingTable(string store, string table) => new(
        $"The outbox table '{table}' does not exist ({store}). Check --table and --connection: they must name the application's " +
        "database and OutboxOptions.TableName; the application creates the table when it starts.");

    private static StoreUnreachableException Unreachable(string store, DbException exception) => new(
        $"could not read the outbox at {store}: {exception.Message.TrimEnd('.')}. Is the database running, and are the credentials in --connection right?",
        exception);
}
