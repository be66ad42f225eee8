using KitaLink.Api.Accounts;
using KitaLink.Api.Auth;
using KitaLink.Api.Staff;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KitaLink.Api.Infrastructure.Data.Configurations;

internal sealed class PasswordResetTokenConfiguration : IEntityTypeConfiguration<PasswordResetToken>
{
    public void Configure(EntityTypeBuilder<PasswordResetToken> builder)
    {
        builder.ToTable(t => t.HasCheckConstraint("ck_password_reset_tokens_one_owner", "num_nonnulls(account_id, staff_member_id) = 1"));
        builder.Property(t => t.TokenHash).HasMaxLength(32);
        builder.HasIndex(t => t.TokenHash).IsUnique();
        builder.HasIndex(t => t.AccountId);
        builder.HasIndex(t => t.StaffMemberId);
        builder.HasOne<ParentAccount>().WithMany().HasForeignKey(t => t.AccountId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<StaffMember>().WithMany().HasForeignKey(t => t.StaffMemberId).OnDelete(DeleteBehavior.Cascade);
    }
}
