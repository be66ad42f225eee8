using System.Net.Sockets;
using KitaLink.Api.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KitaLink.UnitTests;

/// <summary>Which failures mean "PostgreSQL is away" (answered 503) and which are bugs (500).</summary>
public sealed class DatabaseUnavailableTests
{
    private static PostgresException Server(string sqlState) => new("message", "FATAL", "FATAL", sqlState);

    public static TheoryData<Exception> Outages => new()
    {
        new NpgsqlException("Failed to connect to 127.0.0.1:5432", new SocketException((int)SocketError.ConnectionRefused)),
        new NpgsqlException("Exception while reading from stream", new TimeoutException("Timeout during reading attempt")),
        new NpgsqlException("Exception while reading from stream", new EndOfStreamException()),
        Server(PostgresErrorCodes.AdminShutdown),
        Server(PostgresErrorCodes.CrashShutdown),
        Server(PostgresErrorCodes.CannotConnectNow),
        Server(PostgresErrorCodes.TooManyConnections),
        Server(PostgresErrorCodes.ConnectionFailure),
        // EF Core's wrappers.
        new DbUpdateException("An error occurred while saving the entity changes.", Server(PostgresErrorCodes.AdminShutdown)),
        new InvalidOperationException("An exception has been raised that is likely due to a transient failure.",
            new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused))),
        new AggregateException(new NpgsqlException("Failed to connect", new SocketException((int)SocketError.HostUnreachable))),
    };

    public static TheoryData<Exception> Bugs => new()
    {
        Server(PostgresErrorCodes.UniqueViolation),
        Server(PostgresErrorCodes.DeadlockDetected),
        Server(PostgresErrorCodes.SyntaxError),
        new DbUpdateException("save failed", Server(PostgresErrorCodes.ForeignKeyViolation)),
        new InvalidOperationException("Sequence contains no elements"),
        new NullReferenceException(),
    };

    [Theory]
    [MemberData(nameof(Outages))]
    public void Outage_HasACause(Exception exception) => Assert.NotNull(DatabaseUnavailable.Cause(exception));

    [Theory]
    [MemberData(nameof(Bugs))]
    public void Bug_IsNoOutage(Exception exception) => Assert.Null(DatabaseUnavailable.Cause(exception));

    [Fact]
    public void Cause_NamesTheStateOrTheSocketError()
    {
        Assert.StartsWith("PostgresException 57P01", DatabaseUnavailable.Cause(Server(PostgresErrorCodes.AdminShutdown)));
        Assert.StartsWith("SocketException", DatabaseUnavailable.Cause(
            new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused))));
    }
}
