//! Meta exports as CSV: CrowdTangle historical data (Facebook pages and
//! groups: `Facebook Id`, `Post Created`, ...; Instagram: `User Name`,
//! `Account`, ...) and Meta Content Library downloads (`id`,
//! `creation_time`, `post_owner.id`, `text`, `link_attachment.link`).
//!
//! Actions: `repost` (Content Library `shared_post_id`, a reshare's
//! original); `url` (CrowdTangle `Final Link`, else `Link`, unless it is the
//! post itself; Content Library `link_attachment.link`/`.url`) and its
//! `domain`; `text` (`Message`, or an Instagram `Description`; Content
//! Library `text`), normalised, and the `#hashtags` in it. The
//! account is the page, group or user id; the content id the post's `URL`
//! (CrowdTangle) or `id`. CrowdTangle writes times in the dashboard's time
//! zone with an abbreviation (`2021-08-15 22:01:32 EDT`); the common ones
//! are known (UTC, GMT, EST/EDT, CST/CDT, MST/MDT, PST/PDT, BST, CET/CEST,
//! EET/EEST, MSK, IST, JST, AEST/AEDT); others are bad timestamps. Account
//! metadata: page name, user name, page description, page creation time,
//! followers at posting.

use super::{account_and_content, header_has, push_objects, push_url, CsvInput, Post};
use crate::text::{hashtags_in, normalize_exact};
use crate::timestamp::parse_timestamp;
use crate::{Format, IngestError, ReadCtx};
use lockstep_model::{AccountField, LanguageTag, Layer};
use std::io::BufRead;

/// The Meta CSV format (CrowdTangle, Content Library).
#[derive(Debug, Clone, Copy)]
pub struct MetaCsv;

/// Offsets of the time-zone abbreviations CrowdTangle writes, in seconds.
const ZONES: [(&str, i64); 22] = [
    ("UTC", 0),
    ("GMT", 0),
    ("EST", -5 * 3600),
    ("EDT", -4 * 3600),
    ("CST", -6 * 3600),
    ("CDT", -5 * 3600),
    ("MST", -7 * 3600),
    ("MDT", -6 * 3600),
    ("PST", -8 * 3600),
    ("PDT", -7 * 3600),
    ("BST", 3600),
    ("CET", 3600),
    ("CEST", 2 * 3600),
    ("EET", 2 * 3600),
    ("EEST", 3 * 3600),
    ("MSK", 3 * 3600),
    ("IST", 5 * 3600 + 1800),
    ("JST", 9 * 3600),
    ("AEST", 10 * 3600),
    ("AEDT", 11 * 3600),
    ("WIB", 7 * 3600),
    ("PHT", 8 * 3600),
];

/// `2021-08-15 22:01:32 EDT`, or anything `parse_timestamp` reads.
pub(crate) fn parse_zoned(s: &str) -> Result<i64, String> {
    let t = s.trim();
    if let Some((local, zone)) = t.rsplit_once(' ') {
        if zone.chars().all(|c| c.is_ascii_uppercase()) && zone.len() >= 3 {
            let Some(&(_, offset)) = ZONES.iter().find(|(z, _)| *z == zone) else {
                return Err(format!("unknown time zone `{zone}` in `{t}`"));
            };
            return parse_timestamp(local).map(|us| us - offset * 1_000_000);
        }
    }
    parse_timestamp(t)
}

enum Flavor {
    CrowdTangleFacebook,
    CrowdTangleInstagram,
    ContentLibrary,
}

impl Format for MetaCsv {
    fn name(&self) -> &'static str {
        "meta-csv"
    }
    fn description(&self) -> &'static str {
        "Meta exports as CSV: CrowdTangle (Facebook, Instagram) and Meta Content Library"
    }
    fn example(&self) -> &'static str {
        "Page Name,User Name,Facebook Id,Post Created,URL,Message,Link,Final Link\nDaily News,dailynews,1234,2021-08-15 22:01:32 EDT,https://www.facebook.com/1234/posts/1,Read this,https://t.example/a,https://news.example/a"
    }
    fn sniff(&self, head: &[u8]) -> bool {
        header_has(head, &["facebook id", "post created"])
            || header_has(head, &["user name", "account", "post created"])
            || header_has(head, &["post_owner.id", "creation_time"])
    }
    fn read(&self, input: &mut dyn BufRead, ctx: &mut ReadCtx<'_>) -> Result<(), IngestError> {
        let file = ctx.report.path.clone();
        let mut csv = CsvInput::open(input, &file)?;
        let has = |n: &str| csv.optional(n).is_some();
        let flavor = if has("facebook id") {
            Flavor::CrowdTangleFacebook
        } else if has("post_owner.id") {
            Flavor::ContentLibrary
        } else {
            Flavor::CrowdTangleInstagram
        };
        let (account_col, time_col, content_col, platform) = match flavor {
            Flavor::CrowdTangleFacebook => ("Facebook Id", "Post Created", "URL", "facebook"),
            Flavor::CrowdTangleInstagram => ("User Name", "Post Created", "URL", "instagram"),
            Flavor::ContentLibrary => ("post_owner.id", "creation_time", "id", "facebook"),
        };
        let req = csv.columns(
            &file,
            &[account_col, time_col, content_col],
            "a CrowdTangle or Meta Content Library export",
        )?;
        let (acc_i, time_i, con_i) = (req[0], req[1], req[2]);
        let col = |n: &str| csv.optional(n);
        let link_cols: Vec<usize> = match flavor {
            Flavor::ContentLibrary => ["link_attachment.link", "link_attachment.url"]
                .iter()
                .filter_map(|n| col(n))
                .take(1)
                .collect(),
            _ => ["final link", "link"].iter().filter_map(|n| col(n)).collect(),
        };
        let text_cols: Vec<usize> = match flavor {
            Flavor::CrowdTangleFacebook => col("message").into_iter().collect(),
            Flavor::CrowdTangleInstagram => col("description").into_iter().collect(),
            Flavor::ContentLibrary => col("text").into_iter().collect(),
        };
        // CrowdTangle names a group's column `Group Name` (4CAT reads both).
        let name_col =
            col("page name").or(col("group name")).or(col("account")).or(col("post_owner.name"));
        let handle_col = col("user name").or(col("post_owner.username"));
        // The Content Library's reshares name their original.
        let shared_col = col("shared_post_id");
        let bio_col = col("page description");
        let created_col = col("page created");
        let followers_col = col("followers at posting");
        let names = csv.header.clone();
        let mut objects: Vec<(Layer, String)> = Vec::new();

        csv.for_each(ctx, |rec, line, ctx| {
            let get = |i: Option<usize>| i.map_or("", |i| rec[i].trim());
            let Some((account, content)) =
                account_and_content(rec, line, ctx, &names, (acc_i, con_i))?
            else {
                return Ok(());
            };
            let time_us = match parse_zoned(&rec[time_i]) {
                Ok(t) => t,
                Err(msg) => return ctx.skip(line, &names[time_i], "bad timestamp", msg),
            };
            let (row, meta) = ctx.builder.account_meta(platform, account);
            meta.set_text(row, AccountField::DisplayName, get(name_col));
            meta.set_text(row, AccountField::Handle, get(handle_col));
            meta.set_text(row, AccountField::Bio, get(bio_col));
            let r = row as usize;
            if meta.created_at_us[r].is_none() {
                meta.created_at_us[r] = parse_zoned(get(created_col)).ok();
            }
            if meta.followers[r].is_none() {
                meta.followers[r] = get(followers_col).replace(',', "").parse().ok();
            }
            objects.clear();
            let shared = get(shared_col);
            if !shared.is_empty() {
                objects.push((Layer::Repost, shared.to_string()));
            }
            // Instagram exports put the post's own address in `Link`.
            if let Some(link) =
                link_cols.iter().map(|&i| rec[i].trim()).find(|l| !l.is_empty() && *l != content)
            {
                push_url(&mut objects, link);
            }
            for &i in &text_cols {
                // Meta exports have no hashtag column: take them from the text.
                objects.extend(hashtags_in(&rec[i]).map(|t| (Layer::Hashtag, t)));
                let t = normalize_exact(&rec[i]);
                if !t.is_empty() {
                    objects.push((Layer::Text, t));
                }
            }
            let text = text_cols.iter().map(|&i| rec[i].trim()).find(|t| !t.is_empty());
            let post = Post {
                line,
                account,
                content,
                time_us,
                platform,
                text,
                language: LanguageTag::NONE,
                original_us: None,
            };
            push_objects(ctx, &post, &mut objects);
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::parse_zoned;
    use crate::timestamp::parse_timestamp;

    #[test]
    fn zones() {
        assert_eq!(parse_zoned("2021-08-15 22:01:32 EDT"), parse_timestamp("2021-08-16T02:01:32Z"));
        assert_eq!(
            parse_zoned("2021-08-15 22:01:32 CEST"),
            parse_timestamp("2021-08-15T20:01:32Z")
        );
        assert_eq!(parse_zoned("1629064892"), Ok(1_629_064_892_000_000));
        assert!(parse_zoned("2021-08-15 22:01:32 XYZT").is_err());
    }
}
