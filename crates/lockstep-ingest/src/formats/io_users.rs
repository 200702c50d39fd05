//! X/Twitter Information Operations archive, users CSV (`userid,
//! user_display_name, user_screen_name, user_reported_location,
//! user_profile_description, user_profile_url, follower_count,
//! following_count, account_creation_date, account_language`).
//!
//! No actions: each row is account metadata for the accounts of the tweets
//! file read in the same run (`lockstep detect users.csv tweets.csv ...`),
//! and counts as used. Values already set by the tweets file are kept (the
//! first value seen wins).

use super::{header_has, CsvInput};
use crate::timestamp::parse_timestamp;
use crate::{Format, IngestError, ReadCtx};
use lockstep_model::AccountField;
use std::io::BufRead;

/// The IO archive users format.
#[derive(Debug, Clone, Copy)]
pub struct IoArchiveUsers;

impl Format for IoArchiveUsers {
    fn name(&self) -> &'static str {
        "io-archive-users"
    }
    fn description(&self) -> &'static str {
        "X/Twitter Information Operations archive users CSV (account metadata for the tweets file)"
    }
    fn example(&self) -> &'static str {
        "userid,user_display_name,user_screen_name,user_profile_description,follower_count,following_count,account_creation_date,account_language\nu_a,News Bot,newsbot1,Daily news,10,200,2019-03-01,en"
    }
    fn sniff(&self, head: &[u8]) -> bool {
        header_has(head, &["userid", "user_screen_name", "account_creation_date"])
            && !header_has(head, &["tweetid"])
    }
    fn read(&self, input: &mut dyn BufRead, ctx: &mut ReadCtx<'_>) -> Result<(), IngestError> {
        let file = ctx.report.path.clone();
        let mut csv = CsvInput::open(input, &file)?;
        let uid =
            csv.columns(&file, &["userid"], "the IO archive users schema (`userid`, ...)")?[0];
        let col = |n: &str| csv.optional(n);
        let texts = [
            (AccountField::Handle, col("user_screen_name")),
            (AccountField::DisplayName, col("user_display_name")),
            (AccountField::Bio, col("user_profile_description")),
            (AccountField::Language, col("account_language")),
        ];
        let (followers, following, created) =
            (col("follower_count"), col("following_count"), col("account_creation_date"));
        let names = csv.header.clone();
        csv.for_each(ctx, |rec, line, ctx| {
            let user = rec[uid].trim();
            if user.is_empty() {
                return ctx.skip(line, &names[uid], "empty account", String::new());
            }
            let get = |i: Option<usize>| i.map_or("", |i| rec[i].trim());
            let (row, meta) = ctx.builder.account_meta("twitter", user);
            for (field, i) in texts {
                meta.set_text(row, field, get(i));
            }
            let r = row as usize;
            meta.followers[r] = meta.followers[r].or(get(followers).parse().ok());
            meta.following[r] = meta.following[r].or(get(following).parse().ok());
            if meta.created_at_us[r].is_none() {
                meta.created_at_us[r] = parse_timestamp(get(created)).ok();
            }
            ctx.report.records_used += 1;
            Ok(())
        })
    }
}
