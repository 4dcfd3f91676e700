"""The hostile suite's project: one small real project using every Part 1 feature a case breaks.

Two groups (one with a join link and a logo, one with an exported QR image), one playbook with
two posters (one on a background image), a site file and the assets they name. Cases copy it,
break one thing and run the command line.
"""

from __future__ import annotations

from .harness import qr_png, solid_png

SITE = """
title: 测试社区运营中心
lang: zh
timezone: Asia/Shanghai
"""

PLAYBOOK = """
---
title: 考研英语冲刺
type: knowledge
model: content
summary: 考研英语冲刺群的运营方法。
roles:
  - {id: teacher, title: 主讲老师, duties: [直播授课]}
  - {id: assistant, title: 助教, duties: [答疑]}
rules:
  name_card: 请改为“城市-姓名”
  service: 每周二、四晚8点直播课
  help: "有问题请@{{ group.people.assistant }}"
  never: [发广告, 刷屏]
  can: [分享笔记]
  penalty: 违规一次提醒，两次移出
welcome: |
  欢迎加入{{ group.name }}！

  本群主题：{{ group.vars.topic }}，直播时间 {{ group.vars.time }}。
phases:
  - {name: 准备期, days: "1-7", goal: 建立信任}
sop:
  - id: morning
    when: daily 08:00
    post: 早安打卡
    kind: interaction
    owner: assistant
  - id: live
    when: 周二,周四 20:00
    post: 直播课
    kind: activity
    owner: teacher
    poster: preview
    copy: "今晚{{ group.vars.time }}直播，{{ group.vars.topic }}，不见不散！"
  - id: notice
    when: 周六 10:00
    post: 周末通知
    kind: notice
    owner: teacher
    poster: card
posters:
  - id: preview
    size: story
    title: "{{ group.name }}"
    subtitle: 周二晚8点 直播课
    lines: [考点精讲, 真题带练]
    cta: 扫码进群
  - id: card
    size: square
    title: 周末通知
    cta: 扫码进群
    background: content/assets/bg.png
faq:
  - {q: 资料在哪里领？, a: "私信{{ group.people.assistant }}"}
metrics:
  north_star: 到课率
---
## 第一章

正文。
"""

GROUP_1 = """
---
name: 考研英语冲刺1群
playbook: course
start: 2026-12-01
days: 14
join_url: https://example.com/j/abc
people: {teacher: 王老师, assistant: 小李}
brand:
  color: "#C62828"
  accent: "#FFD54F"
  logo: content/assets/logo.png
vars: {topic: 阅读理解, time: "20:00"}
---
本群备注。
"""

GROUP_2 = """
---
name: 考研英语冲刺2群
playbook: course
start: 2026-12-03
days: 7
qr_image: content/assets/qr.png
people: {teacher: 赵老师, assistant: 小王}
vars: {topic: 完形填空, time: "19:30"}
---
"""

G1 = "content/groups/g1.md"
G2 = "content/groups/g2.md"
PB = "playbooks/course.md"
SITE_YML = "content/site.yml"
LOGO = "content/assets/logo.png"
QR = "content/assets/qr.png"
BG = "content/assets/bg.png"


def base_files() -> dict[str, str | bytes]:
    return {
        SITE_YML: SITE,
        PB: PLAYBOOK,
        G1: GROUP_1,
        G2: GROUP_2,
        LOGO: solid_png(64, 64, (0, 128, 96)),  # no colour of the brand, so pixels tell them apart
        QR: qr_png("https://example.com/j/qr-group-2"),
        BG: solid_png(108, 108, (255, 244, 229)),
    }
