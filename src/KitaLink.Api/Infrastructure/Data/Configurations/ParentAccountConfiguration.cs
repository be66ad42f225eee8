using KitaLink.Api.Accounts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KitaLink.Api.Infrastructure.Data.Configurations;

internal sealed class ParentAccountConfiguration : IEntityTypeConfiguration<ParentAccount>
{
    public void Configure(EntityTypeBuilder<ParentAccount> builder)
    {
        builder.Property(a => a.Email).HasMaxLength(254);
        builder.Property(a => a.NormalizedEmail).HasMaxLength(254);
        // One account per address, even under parallel registrations.
        builder.HasIndex(a => a.NormalizedEmail).IsUnique();
        builder.Property(a => a.PasswordHash).HasMaxLength(512);
        builder.Property(a => a.TotpSecret).HasMaxLength(1024);
        builder.HasMany(a => a.Links).WithOne(l => l.Account).HasForeignKey(l => l.AccountId).OnDelete(DeleteBehavior.Cascade);
    }
}
