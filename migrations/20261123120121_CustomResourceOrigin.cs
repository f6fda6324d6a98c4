using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Scheduler.Migrations
{
    /// <inheritdoc />
    public partial class CustomResourceOrigin : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "origin_generation",
                table: "jobs",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "origin_name",
                table: "jobs",
                type: "character varying(253)",
                maxLength: 253,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "origin_namespace",
                table: "jobs",
                type: "character varying(63)",
                maxLength: 63,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "origin_uid",
                table: "jobs",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_jobs_origin_uid",
                table: "jobs",
                column: "origin_uid");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_jobs_origin_uid",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "origin_generation",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "origin_name",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "origin_namespace",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "origin_uid",
                table: "jobs");
        }
    }
}
