using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Pins;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KitaLink.UnitTests;

/// <summary>
/// The unique-index violations that issuance and redemption turn into answers. The index names are read from
/// the model; these are the names the committed migrations created, so a renamed index fails here.
/// </summary>
public sealed class UniqueIndexesTests
{
    private static KitaLinkDbContext Db()
    {
        var options = new DbContextOptionsBuilder<KitaLinkDbContext>();
        DataSetup.Configure(options, NpgsqlDataSource.Create("Host=127.0.0.1;Database=unused;Username=unused"));
        return new KitaLinkDbContext(options.Options);
    }

    private static DbUpdateException Violation(string constraint, string sqlState = PostgresErrorCodes.UniqueViolation) =>
        new("save failed", new PostgresException("duplicate key", "ERROR", "ERROR", sqlState, constraintName: constraint));

    [Theory]
    [InlineData("ix_parent_accounts_normalized_email", ErrorCodes.AccountExists)]
    [InlineData("ix_child_links_account_id_child_id", ErrorCodes.ChildAlreadyLinked)]
    [InlineData("ix_child_links_pin_pair_id", ErrorCodes.PinsAlreadyUsed)]
    [InlineData("ix_pin_pairs_pin1lookup", UniqueIndexes.Pin1Taken)]
    public void UniqueViolation_OfARuleIndex_IsItsCode(string index, string code)
    {
        using var db = Db();
        Assert.Equal(code, UniqueIndexes.CodeOf(db, Violation(index)));
    }

    [Fact]
    public void OtherIndexesAndOtherFailures_AreNoCode()
    {
        using var db = Db();
        Assert.Null(UniqueIndexes.CodeOf(db, Violation("ix_staff_members_normalized_email")));
        Assert.Null(UniqueIndexes.CodeOf(db, Violation("ix_parent_accounts_normalized_email", PostgresErrorCodes.ForeignKeyViolation)));
        Assert.Null(UniqueIndexes.CodeOf(db, new DbUpdateException("no database error")));
    }
}
