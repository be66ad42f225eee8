using KitaLink.Api.Infrastructure.Data;

namespace KitaLink.UnitTests;

/// <summary>The connection pool's defaults, and that a connection string that names a setting keeps it.</summary>
public sealed class DataSetupTests
{
    [Fact]
    public void ConnectionStringWithoutPoolSettings_GetsASmallPool_AndAutomaticPreparation()
    {
        var settings = DataSetup.CreateDataSourceBuilder("Host=db;Database=kitalink;Username=kitalink").ConnectionStringBuilder;

        Assert.Equal(DataSetup.DefaultMaxPoolSize, settings.MaxPoolSize);
        Assert.Equal(64, settings.MaxAutoPrepare);
        Assert.Equal(2, settings.AutoPrepareMinUsages);
    }

    [Fact]
    public void ConnectionStringWithoutTimeouts_GetsBoundedWaits()
    {
        var settings = DataSetup.CreateDataSourceBuilder("Host=db;Database=kitalink;Username=kitalink").ConnectionStringBuilder;

        Assert.Equal(DataSetup.DefaultConnectTimeoutSeconds, settings.Timeout);
        Assert.Equal(DataSetup.DefaultCommandTimeoutSeconds, settings.CommandTimeout);
    }

    [Theory]
    [InlineData("Host=db;Timeout=30;Command Timeout=60", 30, 60)]
    [InlineData("Host=db;TIMEOUT=9;command timeout=0", 9, 0)]
    public void TimeoutsNamedInTheConnectionString_Win(string connectionString, int timeout, int commandTimeout)
    {
        var settings = DataSetup.CreateDataSourceBuilder(connectionString).ConnectionStringBuilder;

        Assert.Equal(timeout, settings.Timeout);
        Assert.Equal(commandTimeout, settings.CommandTimeout);
    }

    [Theory]
    [InlineData("Host=db;Maximum Pool Size=40;Max Auto Prepare=0", 40, 0)]
    [InlineData("Host=db;MAXIMUM POOL SIZE=7;max auto prepare=5", 7, 5)]
    public void SettingsNamedInTheConnectionString_Win(string connectionString, int poolSize, int autoPrepare)
    {
        var settings = DataSetup.CreateDataSourceBuilder(connectionString).ConnectionStringBuilder;

        Assert.Equal(poolSize, settings.MaxPoolSize);
        Assert.Equal(autoPrepare, settings.MaxAutoPrepare);
    }
}
