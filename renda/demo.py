"""Deterministic generator of the fictional demo district (青川市澄湖区) in the content-folder format."""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SEED = 20261126
DEFAULT_TODAY = dt.date(2026, 11, 26)
DAY = dt.timedelta(days=1)

DISTRICT_NAME = "青川市澄湖区"
SESSIONS = [
    {"code": "18-1", "name": "第十八届人民代表大会第一次会议", "opened_on": dt.date(2025, 1, 8)},
    {"code": "18-2", "name": "第十八届人民代表大会第二次会议", "opened_on": dt.date(2026, 1, 14)},
]

COLUMNS = {
    "areas": ["town", "community", "community_code", "district_code"],
    "districts": ["code", "name", "seats"],
    "groups": ["slug", "name", "station_slug", "leader_slug", "district_codes"],
    "stations": ["slug", "name", "kind", "address", "hours", "phone", "lat", "lon", "schedule",
                 "schedule_start", "schedule_end", "directions"],
    "deputies": ["slug", "name", "gender", "ethnicity", "party", "level", "district_code", "group_slug",
                 "occupation", "sector", "status", "committee_member", "photo", "bio"],
    "liaisons": ["committee_member_slug", "deputy_slug"],
    "units": ["slug", "name"],
    "receptions": ["id", "station_slug", "date", "start", "end", "deputy_slugs", "topic", "status", "voters",
                   "issues"],
    "activities": ["id", "group_slug", "date", "kind", "theme", "deputy_slugs"],
    "proposals": ["number", "session", "kind", "title", "summary", "lead_slug", "cosigner_slugs", "category", "key",
                  "supervisor_slug", "lead_unit", "co_units", "submitted_on", "assigned_on", "started_on",
                  "replied_on", "evaluated_on", "closed_on", "stage", "result", "satisfaction", "reply"],
}

# --- The map: towns (with their number of electoral districts), their communities in order, and the deputy groups
# that cover them ----------------------------------------------------------------------------------------------
# Communities are spread over a town's electoral districts in order, and districts over its groups in order,
# so each group's place name is among its own communities. Group tuple: (place, pinyin, station kind, station
# name); kind "shared" means the group meets at the previous group's station (the one station with two groups).
TOWNS = [
    ("澄湖街道", 6,
     ["澄湖社区", "湖心社区", "望湖社区", "月牙湾社区", "柳岸社区", "荷花社区", "东湖社区", "东湖新村", "锦绣社区"],
     [("澄湖", "chenghu", "station", "澄湖街道人大代表联络站"),
      ("月牙湾", "yueyawan", "shared", ""),
      ("东湖", "donghu", "studio", "东湖社区人大代表工作室")]),
    ("临江街道", 5,
     ["临江社区", "码头社区", "新华社区", "新华里社区", "红旗社区", "江滨社区", "滨江花园社区", "春晖社区"],
     [("临江", "linjiang", "station", "临江街道人大代表联络站"),
      ("江滨", "jiangbin", "home", "江滨社区人大代表之家")]),
    ("文昌街道", 5,
     ["文昌社区", "文华社区", "状元坊社区", "学府社区", "和平社区", "书院社区", "清风社区", "桂花社区"],
     [("文昌", "wenchang", "station", "文昌街道人大代表联络站"),
      ("书院", "shuyuan", "studio", "书院社区人大代表工作室")]),
    ("湖滨街道", 5,
     ["湖滨社区", "东湖花园社区", "北苑社区", "银杏社区", "长乐社区", "南苑社区", "翠苑社区", "幸福社区"],
     [("湖滨", "hubin", "station", "湖滨街道人大代表联络站"),
      ("南苑", "nanyuan", "home", "南苑社区人大代表之家")]),
    ("西岭镇", 5,
     ["西岭社区", "西岭村", "青山村", "岭下村", "松坡村", "茶园村", "竹林村", "上塘村"],
     [("西岭", "xiling", "station", "西岭镇人大代表联络站"),
      ("茶园", "chayuan", "home", "茶园村人大代表之家")]),
    ("云溪镇", 5,
     ["云溪社区", "云溪村", "白云村", "新华村", "石门村", "溪口村", "梅林村", "龙潭村"],
     [("云溪", "yunxi", "station", "云溪镇人大代表联络站"),
      ("溪口", "xikou", "studio", "溪口村人大代表工作室")]),
    ("桃源镇", 4,
     ["桃源社区", "桃源村", "桃花村", "杏坞村", "柳塘村", "南山村", "下洋村", "凤凰村", "金谷村"],
     [("桃源", "taoyuan", "station", "桃源镇人大代表联络站"),
      ("南山", "nanshan", "home", "南山村人大代表之家")]),
    ("石桥镇", 5,
     ["石桥社区", "石桥村", "青石村", "大塘村", "王家村", "双溪村", "李家埠村", "万安村"],
     [("石桥", "shiqiao", "station", "石桥镇人大代表联络站"),
      ("双溪", "shuangxi", "studio", "双溪村人大代表工作室")]),
]
GROUP_SPLITS = {4: [2, 2], 5: [3, 2], 6: [2, 2, 2]}

ROADS = ["人民路", "解放街", "建设路", "文化路", "和平街", "振兴路", "迎宾大道", "花园路", "朝阳路", "长乐街", "银杏路",
         "{short}路", "{short}大道", "{short}中路"]
BUILDINGS = ["党群服务中心一楼", "党群服务中心二楼", "便民服务中心一楼", "社区综合楼一楼", "文化礼堂西侧", "老年活动中心旁"]
HOURS = ["周一至周五 9:00-17:00", "周一至周五 8:30-12:00，13:30-17:30", "工作日 9:00-17:00，接待日全天",
         "周一至周六 9:00-16:30"]
SCHEDULE_TIMES = [("09:00", "11:30"), ("09:00", "11:30"), ("14:00", "16:30"), ("08:30", "11:00"),
                  ("19:00", "20:30")]
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR"]
RULES = [(n, wd) for n in (1, 2, 3, 4) for wd in WEEKDAYS] + [(-1, "FR"), (-1, "WE")]

SURNAMES = [("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
            ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
            ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("林", "lin"), ("罗", "luo"),
            ("高", "gao"), ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"), ("唐", "tang"),
            ("许", "xu"), ("韩", "han"), ("冯", "feng"), ("邓", "deng"), ("曹", "cao"), ("彭", "peng"),
            ("肖", "xiao"), ("田", "tian"), ("董", "dong"), ("潘", "pan"), ("袁", "yuan"), ("蒋", "jiang"),
            ("蔡", "cai"), ("余", "yu"), ("杜", "du"), ("叶", "ye"), ("程", "cheng"), ("魏", "wei"), ("沈", "shen"),
            ("方", "fang"), ("陆", "lu"), ("钱", "qian"), ("金", "jin"), ("汪", "wang"), ("姚", "yao"), ("傅", "fu"),
            ("俞", "yu"), ("楼", "lou"), ("邵", "shao"), ("鲍", "bao"), ("项", "xiang"), ("严", "yan"), ("毛", "mao")]
MINORITY_SURNAMES = {"回族": [("马", "ma"), ("白", "bai"), ("丁", "ding")],
                     "满族": [("关", "guan"), ("佟", "tong"), ("金", "jin")],
                     "畲族": [("蓝", "lan"), ("雷", "lei"), ("钟", "zhong")]}
GIVEN = {
    "男": [("明", "ming"), ("华", "hua"), ("建", "jian"), ("国", "guo"), ("伟", "wei"), ("强", "qiang"), ("军", "jun"),
          ("峰", "feng"), ("涛", "tao"), ("斌", "bin"), ("磊", "lei"), ("勇", "yong"), ("志", "zhi"), ("海", "hai"),
          ("文", "wen"), ("杰", "jie"), ("俊", "jun"), ("宏", "hong"), ("亮", "liang"), ("东", "dong"), ("平", "ping"),
          ("新", "xin"), ("立", "li"), ("春", "chun"), ("德", "de"), ("永", "yong"), ("刚", "gang"), ("林", "lin"),
          ("晓", "xiao"), ("荣", "rong"), ("鹏", "peng"), ("辉", "hui"), ("超", "chao"), ("波", "bo"), ("浩", "hao"),
          ("宇", "yu"), ("航", "hang"), ("凯", "kai"), ("毅", "yi"), ("成", "cheng"), ("忠", "zhong"), ("庆", "qing")],
    "女": [("丽", "li"), ("芳", "fang"), ("敏", "min"), ("静", "jing"), ("燕", "yan"), ("红", "hong"), ("霞", "xia"),
          ("娟", "juan"), ("玲", "ling"), ("萍", "ping"), ("婷", "ting"), ("雪", "xue"), ("慧", "hui"), ("琴", "qin"),
          ("艳", "yan"), ("秀", "xiu"), ("英", "ying"), ("佳", "jia"), ("颖", "ying"), ("倩", "qian"), ("晓", "xiao"),
          ("春", "chun"), ("梅", "mei"), ("兰", "lan"), ("洁", "jie"), ("琳", "lin"), ("莉", "li"), ("雯", "wen"),
          ("欣", "xin"), ("悦", "yue"), ("蓉", "rong"), ("凤", "feng"), ("云", "yun"), ("华", "hua")],
}
PARTIES = [("中共党员", 62), ("群众", 18), ("民盟盟员", 4), ("九三学社社员", 3), ("民进会员", 3), ("民建会员", 3),
           ("农工党党员", 2), ("致公党党员", 1), ("无党派人士", 4)]
EDUCATION = [("研究生", 15), ("大学", 45), ("大专", 25), ("高中", 10), ("中专", 5)]
PLACE_PREFIXES = ["青川", "澄湖", "临江", "文昌", "湖滨", "西岭", "云溪", "桃源", "石桥", "月牙湾", "双溪"]
INDUSTRIES = ["精密机械有限公司", "纺织有限公司", "电子科技有限公司", "食品有限公司", "建设集团有限公司", "物流有限公司",
              "新材料股份有限公司", "智能装备有限公司", "电力设备有限公司", "生物医药有限公司", "汽车零部件有限公司"]
DEPARTMENTS = ["心血管内科", "骨科", "儿科", "急诊科", "普外科", "呼吸内科", "妇产科", "康复医学科"]
SHAREABLE_POSTS = ("职工", "教师", "个体工商户", "种粮大户", "种植户", "医师", "工程师", "调研员", "馆员")
SCHOOLS = ["实验小学", "第一小学", "中心小学", "中学", "第二中学", "中心幼儿园", "职业技术学校"]

# sector: (weight in streets, weight in towns, occupation templates, what the deputy cares about)
SECTORS = {
    "工人": (12, 10, ["{company}车间主任", "{company}高级技师", "{company}一线职工", "{company}班组长"],
           "职工权益保障和技能人才培养"),
    "农民": (0, 18, ["{village}种粮大户", "{village}家庭农场负责人", "{village}茶叶种植户", "{village}农民专业合作社理事长"],
           "农业生产和乡村振兴"),
    "专业技术人员": (10, 6, ["{company}高级工程师", "{company}技术总监", "区农业技术推广中心高级农艺师",
                       "{prefix}建筑设计院工程师"], "科技创新和产业升级"),
    "企业负责人": (14, 10, ["{company}董事长", "{company}总经理"], "营商环境和民营经济发展"),
    "机关干部": (10, 8, ["{town_congress}", "{town_deputy_head}", "{bureau}副局长", "{bureau}四级调研员"],
             "基层治理和民生实事项目落实"),
    "基层干部": (16, 14, ["{community}{secretary}"], "社区治理和为民服务"),
    "教育": (8, 6, ["{school}校长", "{school}教师", "{school}副校长"], "教育均衡发展和学生课后服务"),
    "医疗卫生": (8, 6, ["区人民医院{dept}主任医师", "区中医院{dept}护士长", "{town}社区卫生服务中心主任", "区妇幼保健院副院长"],
             "基层医疗服务和公共卫生"),
    "法律": (3, 1, ["{prefix}律师事务所主任律师"], "法治宣传和矛盾纠纷化解"),
    "个体工商户": (3, 3, ["{town}个体工商户"], "小微企业和个体经营者的困难"),
    "文化": (2, 2, ["区文化馆馆员", "{town}综合文化站站长"], "公共文化服务和文化遗产保护"),
}

UNITS = [
    ("education", "区教育局"), ("health", "区卫生健康局"), ("transport", "区交通运输局"),
    ("housing", "区住房和城乡建设局"), ("planning", "区自然资源和规划局"), ("ecology", "区生态环境局"),
    ("civil-affairs", "区民政局"), ("hrss", "区人力资源和社会保障局"), ("agriculture", "区农业农村局"),
    ("water", "区水利局"), ("commerce", "区商务局"), ("development", "区发展和改革局"), ("finance", "区财政局"),
    ("culture", "区文化和广电旅游体育局"), ("market", "区市场监督管理局"), ("emergency", "区应急管理局"),
    ("urban", "区综合行政执法局"), ("police", "青川市公安局澄湖分局"), ("science", "区科学技术局"),
    ("economy", "区经济和信息化局"), ("medical-security", "区医疗保障局"), ("veterans", "区退役军人事务局"),
    ("justice", "区司法局"), ("data", "区数据资源管理局"), ("government-office", "区人民政府办公室"),
]
UNIT_NAMES = dict(UNITS)
BUREAUS = [n for _, n in UNITS if n.endswith("局")]

# category: [(title subject, the problem, what is suggested, handling units — the first leads)]
SUBJECTS = {
    "城乡建设": [
        ("加快{town}老旧小区加装电梯", "{town}建成于上世纪九十年代的老旧小区多为六层住宅，老年居民上下楼困难",
         "简化加装电梯审批流程，提高财政补助标准，由街道牵头协调低层住户意见", ["housing", "planning", "finance"]),
        ("推进{community}雨污分流改造", "{community}部分路段雨污合流，雨季污水外溢，影响居民出行",
         "将该片区纳入年度雨污分流改造计划，同步修复破损管网", ["housing", "water"]),
        ("缓解{community}停车难问题", "{community}小区内车位严重不足，车辆占用消防通道现象突出",
         "利用周边闲置地块建设公共停车场，推行机关单位车位错时共享", ["urban", "housing", "police"]),
        ("在{community}周边增设公共厕所", "{community}周边人流量大，附近没有公共厕所，群众如厕不便",
         "结合城市更新增设或改造公共厕所，鼓励沿街单位厕所对外开放", ["urban", "planning"]),
        ("规范{town}沿街店铺占道经营", "{town}部分沿街店铺占道经营，影响行人通行和市容环境",
         "划定临时外摆区域，加强日常巡查和教育引导", ["urban", "market"]),
    ],
    "教育": [
        ("扩大{town}公办幼儿园学位供给", "{town}近年新建住宅小区较多，适龄幼儿增加，公办幼儿园学位紧张",
         "新建或扩建公办幼儿园，推动小区配套幼儿园移交办成公办园", ["education", "planning", "finance"]),
        ("加强中小学课后服务师资保障", "部分学校课后服务内容单一，教师负担较重",
         "引入体育、艺术等社会专业力量参与课后服务，落实教师课后服务补助", ["education", "finance"]),
        ("改善{community}周边学校上下学交通秩序", "{community}周边学校上下学时段车辆拥堵，存在安全隐患",
         "设置临时停车接送区，增派交警和志愿者疏导交通", ["police", "education"]),
        ("推进{town}学校食堂“明厨亮灶”建设", "{town}部分学校食堂设施老旧，家长对食品安全较为关注",
         "全面推行“明厨亮灶”，定期开放家长陪餐", ["education", "market"]),
        ("加强中小学生心理健康教育", "中小学生心理健康问题日益受到关注，专职心理教师不足",
         "每所学校配备专兼职心理教师，建立家校医联动机制", ["education", "health"]),
    ],
    "医疗卫生": [
        ("提升{town}社区卫生服务中心诊疗能力", "{town}社区卫生服务中心专科医生少，群众常见病也要到城区就诊",
         "推动区级医院专家定期下沉坐诊，增配必要的检查设备", ["health", "finance"]),
        ("推进家庭医生签约服务提质扩面", "部分签约居民反映家庭医生“签而不约”，服务获得感不强",
         "合理确定家庭医生签约人数，增加上门服务项目", ["health", "medical-security"]),
        ("在{community}设立医保便民服务点", "{community}老年人多，办理医保业务需要往返区政务服务中心",
         "在社区党群服务中心设立医保便民服务点，推行就近办理", ["medical-security", "data"]),
        ("加强区人民医院急诊力量配备", "区人民医院急诊夜间候诊时间较长",
         "增加急诊夜班医护人员，优化急诊分级诊疗流程", ["health"]),
        ("推广“互联网+护理服务”", "失能、半失能老人到医院换药、护理困难",
         "扩大“互联网+护理服务”试点范围，将部分项目纳入医保支付", ["health", "medical-security"]),
    ],
    "交通": [
        ("优化{town}公交线路和站点设置", "{town}部分村（社区）距公交站点较远，群众出行不便",
         "调整优化公交线路，增设站点，适当加密高峰时段班次", ["transport"]),
        ("在{community}路口增设信号灯和人行横道", "{community}路口车流量大，行人过街困难，曾发生交通事故",
         "增设信号灯和人行横道，完善交通标志标线", ["police", "transport"]),
        ("加快打通{town}断头路", "{town}境内有多条断头路，周边居民绕行距离较长",
         "将断头路打通工程纳入年度交通建设计划", ["transport", "planning", "finance"]),
        ("规范电动自行车停放和充电管理", "居民楼道内停放电动自行车和“飞线”充电现象仍然存在，火灾隐患突出",
         "在小区增建集中停放充电设施，加强消防安全检查", ["emergency", "housing", "urban"]),
        ("延长夜间公交运营时间", "部分公交线路末班车时间偏早，夜班职工下班后无车可乘",
         "延长主要线路末班车时间，试点开通夜间公交专线", ["transport"]),
    ],
    "社会保障": [
        ("完善{community}居家养老服务中心功能", "{community}居家养老服务中心服务项目少，利用率不高",
         "引入专业养老服务机构运营，增加助浴、康复等服务项目", ["civil-affairs", "finance"]),
        ("在{community}增设老年助餐点", "{community}独居、高龄老人较多，吃饭难问题突出",
         "依托社区食堂或餐饮企业增设老年助餐点，对困难老人给予补贴", ["civil-affairs", "market"]),
        ("加强困难群众临时救助", "部分因病、因灾致困家庭未能及时得到救助",
         "简化临时救助审批程序，建立主动发现机制", ["civil-affairs", "medical-security"]),
        ("做好灵活就业人员社会保险参保工作", "快递员、网约车司机等灵活就业人员参保率不高",
         "加强政策宣传，优化参保缴费方式", ["hrss", "medical-security"]),
        ("加强退役军人就业创业扶持", "部分退役军人就业渠道窄，创业缺少资金支持",
         "举办退役军人专场招聘会，落实创业贷款贴息政策", ["veterans", "hrss"]),
    ],
    "生态环境": [
        ("加强{town}河道综合整治", "{town}部分河道淤积严重，水质较差，夏季有异味",
         "实施河道清淤和生态修复，落实河长巡河制度", ["water", "ecology"]),
        ("治理{community}周边餐饮油烟扰民", "{community}周边餐饮店油烟直排，居民反映强烈",
         "督促餐饮店安装油烟净化设施并定期清洗，加强执法检查", ["ecology", "urban"]),
        ("推进生活垃圾分类设施提档升级", "部分小区垃圾分类投放点设施陈旧，分类效果不理想",
         "改造升级垃圾分类投放点，推行定时定点投放和督导", ["urban", "housing"]),
        ("加强澄湖水源地保护", "澄湖水源保护区周边仍有少量农家乐和养殖户，存在污染风险",
         "完善水源保护区隔离设施，引导周边产业转型", ["ecology", "water", "agriculture"]),
        ("整治工业园区噪声扰民", "工业园区部分企业夜间生产噪声较大，影响周边居民休息",
         "开展噪声专项检测，督促企业采取降噪措施", ["ecology", "economy"]),
    ],
    "经济发展": [
        ("支持{town}小微企业纾困发展", "{town}部分小微企业融资难、融资贵，经营压力较大",
         "设立小微企业应急转贷资金，落实减税降费政策", ["economy", "finance", "development"]),
        ("加快{town}特色产业园区建设", "{town}特色产业分散，缺少集聚发展的平台",
         "科学规划特色产业园区，完善园区配套设施", ["development", "economy", "planning"]),
        ("进一步优化营商环境", "企业反映部分审批事项环节多、时间长",
         "推行“一件事”集成办理，压缩审批时限", ["data", "market", "development"]),
        ("加大科技型中小企业扶持力度", "科技型中小企业研发投入大，资金压力重",
         "提高研发费用补助比例，搭建产学研合作平台", ["science", "finance"]),
        ("培育{town}夜间经济", "{town}夜间消费业态单一，商业街区人气不足",
         "打造特色夜市街区，丰富夜间文化旅游活动", ["commerce", "culture", "urban"]),
    ],
    "农业农村": [
        ("加快{village}高标准农田建设", "{village}部分农田灌溉设施老化，机耕路损毁",
         "将该村农田纳入高标准农田建设计划，修复灌溉渠道和机耕路", ["agriculture", "water", "finance"]),
        ("支持{village}茶产业品牌建设", "{village}茶叶品质好但品牌知名度低，销售价格不高",
         "扶持茶叶区域公用品牌建设，组织参加农产品展销会", ["agriculture", "commerce"]),
        ("完善{village}农村生活污水处理设施", "{village}生活污水处理设施运行不正常，部分污水直排",
         "对已建设施开展运维检查，落实专业化运维", ["agriculture", "ecology"]),
        ("加强农村饮用水安全保障", "部分山区村夏季用水高峰期供水不足",
         "推进城乡供水一体化，改造山区村供水管网", ["water", "health"]),
    ],
}
MOTIONS = {
    "18-1": [("关于加快推进澄湖流域水环境综合治理的议案", "生态环境", ["ecology", "water", "agriculture"]),
             ("关于加强全区养老服务体系建设的议案", "社会保障", ["civil-affairs", "health", "finance"])],
    "18-2": [("关于制定老旧小区改造三年行动计划的议案", "城乡建设", ["housing", "finance", "planning"]),
             ("关于推进城乡义务教育优质均衡发展的议案", "教育", ["education", "finance", "planning"])],
}
REPLIES = {
    "A": "经认真研究，{unit}会同相关部门将该事项纳入{year}年度工作计划并组织实施，相关措施已落实到位，"
         "所提问题已基本解决。感谢您对我区工作的关心和支持。",
    "B": "经认真研究，{unit}已会同相关部门制定工作方案，相关工作正在推进中，部分问题已经解决，"
         "预计{next_year}年上半年全部完成。我们将及时向您通报进展情况。",
    "C": "{unit}认为您的建议具有较强的针对性，已列入{next_year}年工作计划，将结合财力和项目安排逐步解决。",
    "D": "{unit}对您的建议进行了认真研究。受资金、用地等条件限制，近期难以实施，我们将作为今后工作的参考，"
         "并做好相关解释工作。",
}
RECEPTION_TOPICS = ["老旧小区改造意见征集", "民生实事项目征求意见", "基层医疗服务", "养老服务需求", "垃圾分类推进情况",
                    "背街小巷环境整治", "学校周边交通安全", "就业和社会保障政策", "乡村振兴和农业生产",
                    "河道整治和水环境", "电动自行车安全管理", "社区停车难问题", "营商环境和企业诉求",
                    "“十五五”规划编制听取意见", "预算审查监督听取意见", "综合接待选民"]

ACTIVITY_THEMES = {
    "inspection": ["视察{town}老旧小区改造项目", "视察{town}民生实事项目推进情况", "视察{town}河道综合整治工程",
                   "视察{town}学校食堂食品安全工作", "视察{town}居家养老服务中心运行情况"],
    "research": ["关于{town}养老服务设施建设情况的调研", "关于{town}公共停车设施规划的调研",
                 "关于{town}农村生活污水治理情况的调研", "关于{town}基层医疗服务能力的调研",
                 "关于{town}小微企业发展环境的调研"],
    "study": ["学习《中华人民共和国全国人民代表大会和地方各级人民代表大会代表法》", "代表履职能力专题学习",
              "学习区人大常委会年度工作要点", "预算审查监督知识专题学习"],
    "report_back": ["组织代表向原选区选民述职", "代表小组年度履职情况通报会"],
    "other": ["开展“代表联系群众”走访活动", "参加民生实事项目代表票决前征求意见", "开展代表进社区收集意见建议活动",
              "参加{town}安全生产检查"],
}
CN_DIGITS = "零一二三四五六七八九"


def write_demo(path: Path, scale: int = 1, today: dt.date = DEFAULT_TODAY) -> None:
    """Write the demo district, `scale` times its size, into the content folder at `path`."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    if today < dt.date(2026, 6, 1):
        raise ValueError("the demo's sessions are in 2025 and 2026; today must be on or after 2026-06-01")
    demo = _Demo(today)
    for copy in range(scale):
        demo.add_copy(copy)
    demo.write(Path(path))


# --- small helpers -------------------------------------------------------------------------------------------

def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 41 → 四十一, 105 → 一百零五 (for names like 第四十一选区)."""
    if n < 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + (CN_DIGITS[n - 10] if n > 10 else "")
    if n >= 10000:
        high, low = divmod(n, 10000)
        rest = "" if low == 0 else ("零" if low < 1000 else "") + _below_10000(low)
        return chinese_number(high) + "万" + rest
    return _below_10000(n)


def _below_10000(n: int) -> str:
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            out += ("零" if zero and out else "") + CN_DIGITS[digit] + unit
            zero = False
        else:
            zero = True
    return out


def add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.year * 12 + day.month - 1 + months
    year, month = divmod(month0, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def rule_day(year: int, month: int, nth: int, weekday: str) -> dt.date:
    """The day `FREQ=MONTHLY;BYDAY=<nth><weekday>` gives in a month (nth -1 is the last)."""
    wd = WEEKDAYS.index(weekday)
    if nth > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(wd - first.weekday()) % 7 + 7 * (nth - 1))
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    return last - dt.timedelta(days=(last.weekday() - wd) % 7)


def is_village(community: str) -> bool:
    """村 rather than 社区 (a 新村 is a housing estate, not a village)."""
    name = community.rstrip("0123456789")
    return name.endswith("村") and not name.endswith("新村")


def cancel_reasons(day: dt.date) -> list[str]:
    if 7 <= day.month <= 9:
        return ["因台风预警取消", "因暴雨天气取消"]
    if day.month in (12, 1, 2):
        return ["因场地检修取消", "因雨雪冰冻天气取消"]
    return ["因场地检修取消", "因暴雨天气取消"]


def weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


def random_day(rng: random.Random, first: dt.date, last: dt.date, weekdays_only: bool = True) -> dt.date:
    """A day in [first, last], a weekday if the range has one."""
    span = (last - first).days
    for _ in range(20):
        day = first + dt.timedelta(days=rng.randint(0, max(span, 0)))
        if not weekdays_only or day.weekday() < 5:
            return day
    return day


def fmt(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


# --- the records kept while building --------------------------------------------------------------------------

@dataclass
class Deputy:
    slug: str
    name: str
    gender: str
    level: str
    district_code: str
    group: Group
    sector: str
    occupation: str
    row: dict = field(default_factory=dict)
    status: str = "active"
    committee: bool = False


@dataclass
class Group:
    slug: str
    name: str
    place: str
    town: str
    station: Station
    district_codes: list[str]
    communities: list[str]
    leader: Deputy | None = None
    deputies: list[Deputy] = field(default_factory=list)


@dataclass
class Station:
    slug: str
    name: str
    kind: str
    town: str
    nth: int
    weekday: str
    start: str
    end: str
    row: dict = field(default_factory=dict)
    groups: list[Group] = field(default_factory=list)


class _Demo:
    """Accumulates the rows of every file; one `add_copy` adds one whole district's worth."""

    def __init__(self, today: dt.date):
        self.today = today
        self.rows: dict[str, list[dict]] = {name: [] for name in COLUMNS}
        self.rows["units"] = [{"slug": s, "name": n} for s, n in UNITS]
        self.reports: list[tuple[int, str, dict, str]] = []
        self.slug_counts: dict[str, int] = {}
        self.proposal_seq = {s["code"]: 0 for s in SESSIONS}
        self.town_seq = 0
        self.district_seq = 0

    # --- writing ---
    def write(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        district = {
            "name": DISTRICT_NAME,
            "term": "第十八届",
            "organiser": "澄湖区人大常委会办公室",
            "contact": "青川市澄湖区湖心路1号 区人大常委会办公室（邮编 000000） 电话 0000-12345678",
            "fictional": True,
            "sessions": SESSIONS,
        }
        (path / "district.yaml").write_text(
            "# 演示数据：本区、人员和地点均为虚构。\n" + _dump_yaml(district), encoding="utf-8")
        for name, columns in COLUMNS.items():
            with open(path / f"{name}.csv", "w", encoding="utf-8", newline="") as f:
                writer = csv.writer(f, lineterminator="\n")
                writer.writerow(columns)
                for row in self.rows[name]:
                    writer.writerow([_cell(row.get(c, "")) for c in columns])
        for year, slug, meta, body in self.reports:
            folder = path / "reports" / str(year)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{slug}.md").write_text(f"---\n{_dump_yaml(meta)}---\n\n{body}", encoding="utf-8")

    # --- one copy of the district ---
    def add_copy(self, copy: int) -> None:
        rng = random.Random(SEED + copy)
        name_sfx = "" if copy == 0 else str(copy + 1)
        slug_sfx = "" if copy == 0 else f"-{copy + 1}"
        groups, stations, districts, villages = self._map(rng, name_sfx, slug_sfx)
        deputies = self._deputies(rng, copy, groups, districts, villages)
        committee = self._roles(rng, groups, deputies)
        self._stations(rng, stations)
        receptions = self._receptions(rng, stations)
        self._activities(rng, groups)
        self._proposals(rng, deputies, committee, villages)
        self._reports(rng, deputies, groups, receptions)

    def _map(self, rng, name_sfx, slug_sfx):
        groups: list[Group] = []
        stations: list[Station] = []
        districts: dict[str, tuple[str, list[str], int]] = {}  # code → (town, communities, seats)
        villages: list[str] = []
        rules = RULES[:]
        rng.shuffle(rules)
        shape = random.Random(SEED)  # the same seats in every copy, so scale N has exactly N times the deputies
        for town, n_districts, communities, group_specs in TOWNS:
            self.town_seq += 1
            town_name = town + name_sfx
            codes = []
            for _ in range(n_districts):
                self.district_seq += 1
                code = f"D{self.district_seq:02d}"
                codes.append(code)
                seats = shape.randint(3, 7)
                self.rows["districts"].append({"code": code, "name": self._district_name(code), "seats": seats})
                districts[code] = (town_name, [], seats)
            for j, community in enumerate(communities):
                code = codes[j * n_districts // len(communities)]
                name = community + name_sfx
                districts[code][1].append(name)
                if is_village(community):
                    villages.append(name)
                self.rows["areas"].append({"town": town_name, "community": name,
                                           "community_code": str(339000000 + self.town_seq * 1000 + j + 1),
                                           "district_code": code})
            first = 0
            for (place, py, kind, station_name), size in zip(group_specs, GROUP_SPLITS[n_districts], strict=True):
                if kind != "shared":
                    nth, weekday = rules.pop()
                    start, end = rng.choice(SCHEDULE_TIMES)
                    stations.append(Station(py + slug_sfx, station_name + name_sfx, kind, town_name, nth, weekday,
                                            start, end))
                group_codes = codes[first:first + size]
                first += size
                group = Group(f"g-{py}{slug_sfx}", f"{place}代表小组{name_sfx}", place, town_name, stations[-1],
                              group_codes, [c for code in group_codes for c in districts[code][1]])
                stations[-1].groups.append(group)
                groups.append(group)
        return groups, stations, districts, villages

    def _slug(self, base: str) -> str:
        n = self.slug_counts.get(base, 0) + 1
        self.slug_counts[base] = n
        return base if n == 1 else f"{base}-{n}"

    def _person(self, rng, gender=None, ethnicity="汉族"):
        gender = gender or rng.choice(["男", "男", "女"])
        surnames = MINORITY_SURNAMES.get(ethnicity, SURNAMES)
        surname, surname_py = rng.choice(surnames)
        chars = [rng.choice(GIVEN[gender]) for _ in range(1 if rng.random() < 0.2 else 2)]
        if len(chars) == 2 and chars[0][0] == chars[1][0]:
            chars = chars[:1]
        name = surname + "".join(c for c, _ in chars)
        return gender, name, f"{surname_py}-{''.join(p for _, p in chars)}"

    def _deputies(self, rng, copy, groups, districts, villages):
        group_of = {code: g for g in groups for code in g.district_codes}
        town_groups = [g for g in groups if g.town.rstrip("0123456789").endswith("镇")]
        people = []
        for code, (town, communities, seats) in districts.items():
            for _ in range(seats):
                people.append(("county", code, group_of[code], town, communities))
        for town in dict.fromkeys(g.town for g in town_groups):  # three township deputies per town (镇)
            local = [g for g in town_groups if g.town == town]
            for k in range(3):
                g = local[k % len(local)]
                people.append(("township", "", g, g.town, g.communities))
        for level, count in (("city", 12), ("provincial", 5), ("national", 2)):
            for _ in range(count):
                g = rng.choice(groups)
                people.append((level, "", g, g.town, g.communities))

        deputies = []
        used: set[str] = set()
        for i, (level, code, group, town, communities) in enumerate(people):
            ethnicity = weighted(rng, [("汉族", 92), ("回族", 3), ("满族", 2), ("畲族", 3)])
            if copy == 0 and i == 0:
                gender, name, base = "男", "张明华", "zhang-minghua"
                ethnicity = "汉族"
            else:
                gender, name, base = self._person(rng, ethnicity=ethnicity)
            sector, occupation = self._occupation(rng, level, town, communities, villages, used)
            deputy = Deputy(self._slug(base), name, gender, level, code, group, sector, occupation)
            deputy.row = {
                "slug": deputy.slug, "name": name, "gender": gender, "ethnicity": ethnicity,
                "party": weighted(rng, PARTIES), "level": level, "district_code": code, "group_slug": group.slug,
                "occupation": occupation, "sector": sector, "photo": "",
                "born": rng.randint(1962, 1994), "born_month": rng.randint(1, 12),
                "education": weighted(rng, EDUCATION),
            }
            group.deputies.append(deputy)
            deputies.append(deputy)
        return deputies

    def _occupation(self, rng, level, town, communities, villages, used):
        """A sector and a post; a post one person holds (a village head, a company chair) is given only once."""
        rural = town.rstrip("0123456789").endswith("镇")
        for _ in range(50):
            sector = weighted(rng, [(s, v[1 if rural else 0]) for s, v in SECTORS.items()])
            if level in ("provincial", "national") and sector in ("个体工商户", "文化", "法律"):
                sector = "企业负责人"
            community = rng.choice(communities)
            village = rng.choice([c for c in communities if is_village(c)] or villages)
            village_post = is_village(community)
            occupation = rng.choice(SECTORS[sector][2]).format(
                company=rng.choice(PLACE_PREFIXES) + rng.choice(INDUSTRIES),
                prefix=rng.choice(PLACE_PREFIXES), town=town, bureau=rng.choice(BUREAUS),
                town_congress=f"{town}人大主席" if rural else f"{town}人大工委主任",
                town_deputy_head=f"{town}副镇长" if rural else f"{town}办事处副主任",
                community=community, village=village, dept=rng.choice(DEPARTMENTS),
                secretary="党总支书记、村委会主任" if village_post else "党委书记、居委会主任",
                school=town.replace("街道", "") + rng.choice(SCHOOLS))
            if occupation not in used or any(word in occupation for word in SHAREABLE_POSTS):
                break
        used.add(occupation)
        return sector, occupation

    def _roles(self, rng, groups, deputies):
        """Group leaders, the 33 committee members and their links, the three whose term ended."""
        for g in groups:
            county = [d for d in g.deputies if d.level == "county"]
            g.leader = county[0] if county[0].slug == "zhang-minghua" else rng.choice(county)
        leaders = {id(g.leader) for g in groups}
        county = [d for d in deputies if d.level == "county" and d.slug != "zhang-minghua"]
        committee = rng.sample(county, 33)
        for d in committee:
            d.committee = True
        for d in rng.sample([d for d in county if not d.committee and id(d) not in leaders], 3):
            d.status = "terminated"
        pool = [d for d in deputies if not d.committee and d.status == "active"]
        rng.shuffle(pool)
        cursor = 0
        for member in committee:
            for _ in range(rng.randint(4, 7)):
                self.rows["liaisons"].append({"committee_member_slug": member.slug,
                                              "deputy_slug": pool[cursor % len(pool)].slug})
                cursor += 1
        for g in groups:
            self.rows["groups"].append({"slug": g.slug, "name": g.name, "station_slug": g.station.slug,
                                        "leader_slug": g.leader.slug, "district_codes": g.district_codes})
        for d in deputies:
            self.rows["deputies"].append(self._deputy_row(d, leaders))
        return committee

    def _deputy_row(self, d: Deputy, leaders: set[int]) -> dict:
        row = d.row
        if d.level == "county":
            level_text = f"{DISTRICT_NAME}第十八届人民代表大会代表（{self._district_name(d.district_code)}选出）"
        else:
            level_text = {
                "township": f"{d.group.town}第十八届人民代表大会代表",
                "city": "青川市第十六届人民代表大会代表",
                "provincial": "省第十四届人民代表大会代表",
                "national": "第十四届全国人民代表大会代表",
            }[d.level]
        party = "" if row["party"] == "群众" else f"{row['party']}，"
        roles = []
        if d.committee:
            roles.append("区人大常委会委员")
        if id(d) in leaders:
            roles.append(f"{d.group.name}组长")
        bio = (f"{d.name}，{d.gender}，{row['ethnicity']}，{row['born']}年{row['born_month']}月生，{party}"
               f"{row['education']}学历。现任{d.occupation}。{level_text}"
               f"{'，' + '、'.join(roles) if roles else ''}。履职中关注{SECTORS[d.sector][3]}。")
        if d.status == "terminated":
            bio += "因工作调动，代表资格已终止。"
        return {**{k: row[k] for k in COLUMNS["deputies"] if k in row}, "status": d.status,
                "committee_member": d.committee, "bio": bio}

    def _district_name(self, code: str) -> str:
        return f"第{chinese_number(int(code[1:]))}选区"

    def _stations(self, rng, stations):
        lat0, lon0 = 30.2, 120.1
        no_coordinates = set(rng.sample(range(len(stations)), 3 if len(stations) > 8 else 0))
        for i, s in enumerate(stations):
            road = rng.choice(ROADS).format(short=s.town.rstrip("0123456789").removesuffix("街道").removesuffix("镇"))
            bus = sorted(rng.sample(range(1, 90), 2))
            lat = "" if i in no_coordinates else f"{lat0 + rng.uniform(-0.08, 0.08):.6f}"
            lon = "" if i in no_coordinates else f"{lon0 + rng.uniform(-0.1, 0.1):.6f}"
            access = rng.choice(["入口设无障碍坡道，接待室在一楼", "设无障碍通道和无障碍卫生间，可乘电梯到达",
                                 "正门有三级台阶，东侧门设无障碍坡道"])
            s.row = {
                "slug": s.slug, "name": s.name, "kind": s.kind,
                "address": f"{DISTRICT_NAME}{s.town}{road}{rng.randint(1, 300)}号{rng.choice(BUILDINGS)}",
                "hours": rng.choice(HOURS), "phone": f"0000-{rng.randint(60000000, 69999999)}",
                "lat": lat, "lon": lon, "schedule": f"FREQ=MONTHLY;BYDAY={s.nth}{s.weekday}",
                "schedule_start": s.start, "schedule_end": s.end,
                "directions": f"乘坐{bus[0]}路、{bus[1]}路公交车至{road}站下车，步行约{rng.randint(2, 9)}00米。{access}。",
            }
            self.rows["stations"].append(s.row)

    def _on_duty(self, rng, station: Station, k: int | None = None) -> list[Deputy]:
        pool = [d for g in station.groups for d in g.deputies if d.status == "active"]
        return rng.sample(pool, k or rng.randint(2, 4))

    def _receptions(self, rng, stations) -> list[dict]:
        today = self.today
        since = add_months(today, -12)
        rows: list[dict] = []
        cancelling = {s.slug for s in rng.sample(stations, 3)}
        for s in stations:
            taken: set[dt.date] = set()
            month = dt.date(since.year, since.month, 1)
            while month <= today:
                day = rule_day(month.year, month.month, s.nth, s.weekday)
                if since <= day < today:
                    rows.append(self._held(rng, s, day, s.start, s.end))
                    taken.add(day)
                month = add_months(month, 1)
            # a few extra receptions on other days (special topics, e.g. before a session)
            for _ in range(rng.randint(0, 2)):
                day = random_day(rng, since, today - DAY)
                if day not in taken:
                    rows.append(self._held(rng, s, day, "14:30", "16:30"))
                    taken.add(day)
            # a few cancelled days, each made up a week later (or earlier) so every month still has one
            past = [r for r in rows if r["station_slug"] == s.slug and r["status"] == "held"]
            if s.slug in cancelling:
                row = rng.choice(past)
                day = dt.date.fromisoformat(row["date"])
                row.update(status="cancelled", voters=0, issues=0,
                           topic=f"{row['topic']}（{rng.choice(cancel_reasons(day))}）")
                for delta in (7, -7, 8, -8):
                    makeup = day + dt.timedelta(days=delta)
                    if since <= makeup < today and makeup.month == day.month and makeup not in taken:
                        rows.append(self._held(rng, s, makeup, s.start, s.end))
                        taken.add(makeup)
                        break
        # planned ones in the next weeks: on the rule day (naming the deputies), and on other days
        for i, s in enumerate(stations[:6]):
            if i < 3:
                month = dt.date(today.year, today.month, 1)
                day = rule_day(month.year, month.month, s.nth, s.weekday)
                if day <= today:
                    month = add_months(month, 1)
                    day = rule_day(month.year, month.month, s.nth, s.weekday)
                start, end = (s.start, s.end) if i != 2 else ("14:00", "16:30")
                topic = rng.choice(RECEPTION_TOPICS)
            else:
                day = today + dt.timedelta(days=4 + 7 * (i - 3))
                while day.weekday() >= 5 or day == rule_day(day.year, day.month, s.nth, s.weekday):
                    day += DAY
                start, end, topic = "14:30", "16:30", "民生实事项目征求意见专场"
            duty = self._on_duty(rng, s, 3)
            if i == 0 and s.groups[0].deputies[0].slug == "zhang-minghua":
                duty = [s.groups[0].deputies[0]] + [d for d in duty if d.slug != "zhang-minghua"][:2]
            rows.append({"id": f"{s.slug}-{day.isoformat()}", "station_slug": s.slug, "date": day.isoformat(),
                         "start": start, "end": end, "deputy_slugs": [d.slug for d in duty], "topic": topic,
                         "status": "planned", "voters": "", "issues": ""})
        rows.sort(key=lambda r: (r["date"], r["station_slug"]))
        self.rows["receptions"].extend(rows)
        return rows

    def _held(self, rng, s: Station, day: dt.date, start: str, end: str) -> dict:
        voters = rng.randint(5, 36)
        return {"id": f"{s.slug}-{day.isoformat()}", "station_slug": s.slug, "date": day.isoformat(),
                "start": start, "end": end, "deputy_slugs": [d.slug for d in self._on_duty(rng, s)],
                "topic": rng.choice(RECEPTION_TOPICS), "status": "held", "voters": voters,
                "issues": rng.randint(1, max(1, voters // 2))}

    def _activities(self, rng, groups):
        today = self.today
        since = add_months(today, -12)
        quarters = []
        q = dt.date(since.year, 3 * ((since.month - 1) // 3) + 1, 1)
        while q < today:
            nxt = add_months(q, 3)
            quarters.append((max(q, since), min(nxt - DAY, today - DAY)))
            q = nxt
        without_research = set(rng.sample(range(len(groups)), 3))
        kinds = ["inspection", "study", "report_back", "other", "inspection"]
        for gi, g in enumerate(groups):
            rows = []
            active = [d for d in g.deputies if d.status == "active"]
            for first, last in quarters:
                rows.append((random_day(rng, first, last), rng.choice(kinds)))
            if gi not in without_research:
                first = max(dt.date(today.year, 3, 1), since)
                rows.append((random_day(rng, first, min(today - DAY, dt.date(today.year, 10, 31))), "research"))
            rows.sort()
            for n, (day, kind) in enumerate(rows, 1):
                rural = g.town.rstrip("0123456789").endswith("镇")
                themes = [t for t in ACTIVITY_THEMES[kind] if rural or "农村" not in t]
                theme = rng.choice(themes).format(town=g.town)
                self.rows["activities"].append({
                    "id": f"a-{g.slug}-{n}", "group_slug": g.slug, "date": day.isoformat(), "kind": kind,
                    "theme": theme, "deputy_slugs": [d.slug for d in rng.sample(active, min(len(active),
                                                                                      rng.randint(2, 5)))]})

    # --- proposals ---
    def _proposals(self, rng, deputies, committee, villages):
        county = [d for d in deputies if d.level == "county" and d.status == "active"]
        key_budget = {"18-1": 4, "18-2": 10}
        for session in SESSIONS:
            code, opened = session["code"], session["opened_on"]
            if code == "18-1":
                outcomes = ["A"] * 24 + ["B"] * 7 + ["C"] * 2 + ["D"]
                rng.shuffle(outcomes)
                late = []
            else:
                outcomes = ["A"] * 136 + ["B"] * 35 + ["C"] * 12 + ["D"] * 6 + ["overdue"] * 5
                rng.shuffle(outcomes)
                late = ["overdue"] * 3 + ["window"] * 4 + ["submitted"] * 3
            specs = [("motion", o) for o in ("A", "B")] + [("suggestion", o) for o in outcomes + late]
            keys = set(rng.sample(range(2, len(specs) - len(late)), key_budget[code]))
            titles: set[str] = set()
            for i, (kind, outcome) in enumerate(specs):
                self._proposal(rng, code, opened, kind, outcome, i in keys, county, committee, villages, titles,
                               MOTIONS[code][i] if kind == "motion" else None, late_index=i - (len(specs) - len(late)))

    def _proposal(self, rng, session, opened, kind, outcome, key, county, committee, villages, titles, motion,
                  late_index):
        """One motion or suggestion; `outcome` is its result class, or where it waits: overdue, window, submitted.
        `late_index` >= 0 marks one raised after the session (闭会期间)."""
        today = self.today
        lead = rng.choice(county)
        if kind == "motion":
            title, category, units = motion
            summary = (f"{title.removeprefix('关于').removesuffix('的议案')}事关全区发展大局和群众切身利益。"
                       "建议区人大常委会督促区人民政府制定专项计划，明确责任分工和完成时限，并定期听取专项工作报告。")
            cosigners = rng.sample([d for d in county if d is not lead], 10)
        else:
            town = lead.group.town
            community = rng.choice(lead.group.communities)
            own_villages = [c for c in lead.group.communities if is_village(c)]
            village = rng.choice(own_villages or villages)
            categories = [c for c in SUBJECTS if own_villages or c != "农业农村"]
            for _ in range(50):
                category = rng.choice(categories)
                subject, problem, suggestion, units = rng.choice(SUBJECTS[category])
                places = dict(town=town, community=community, village=village)
                title = f"关于{subject.format(**places)}的建议"
                if title not in titles:
                    break
                community = rng.choice(lead.group.communities)
            summary = f"{problem.format(**places)}。建议{suggestion}。"
            cosigners = rng.sample([d for d in county if d is not lead], rng.choice([0, 0, 1, 2, 2, 3, 4, 5]))
        titles.add(title)
        self.proposal_seq[session] += 1
        number = f"{session}-{self.proposal_seq[session]:03d}"
        lead_unit = units[0] if rng.random() < 0.85 else rng.choice(units)
        co_units = [u for u in units if u != lead_unit][:rng.randint(0, 2)]

        # the dated steps, then cut at the outcome (or at today)
        if outcome in ("A", "B", "C", "D", "overdue") and late_index < 0:
            submitted = opened + dt.timedelta(days=rng.randint(0, 3))
            assigned = dt.date(opened.year, 2, 1) + dt.timedelta(days=rng.randint(5, 25))
        elif outcome == "overdue":
            submitted = dt.date(today.year, 4, 1) + dt.timedelta(days=rng.randint(0, 60))
            assigned = submitted + dt.timedelta(days=rng.randint(10, 25))
        elif outcome == "window":
            submitted = today - dt.timedelta(days=rng.randint(70, 85))
            assigned = today - dt.timedelta(days=rng.randint(15, 60))
        else:
            submitted = today - dt.timedelta(days=rng.randint(3, 20))
            assigned = None
        started = assigned + dt.timedelta(days=rng.randint(3, 15)) if assigned else None
        due = add_months(assigned, 3) if assigned else None
        replied = evaluated = closed = None
        if outcome in ("A", "B", "C", "D"):
            if rng.random() < 0.08:
                replied = due + dt.timedelta(days=rng.randint(5, 60))
            else:
                replied = started + dt.timedelta(days=rng.randint(20, max(21, (due - started).days - 2)))
            evaluated = replied + dt.timedelta(days=rng.randint(7, 30))
            closed = evaluated + dt.timedelta(days=rng.randint(3, 20))
        steps = [("submitted", submitted), ("assigned", assigned), ("in_progress", started), ("replied", replied),
                 ("evaluated", evaluated), ("closed", closed)]
        if outcome in ("A", "B", "C", "D") and session != "18-1":
            last = weighted(rng, [("closed", 70), ("evaluated", 20), ("replied", 10)])
        elif outcome in ("A", "B", "C", "D"):
            last = weighted(rng, [("closed", 85), ("evaluated", 15)])
        elif outcome == "submitted":
            last = "submitted"
        else:
            last = rng.choice(["assigned", "in_progress", "in_progress"])
        cut = [s for s, _ in steps].index(last)
        steps = [(s, d if n <= cut else None) for n, (s, d) in enumerate(steps)]
        while steps[cut][1] is None or steps[cut][1] > today:  # never later than today
            cut -= 1
        steps = [(s, d if n <= cut else None) for n, (s, d) in enumerate(steps)]
        stage = steps[cut][0]
        dates = dict(steps)

        replied_yet = cut >= 3
        result = outcome if replied_yet else ""
        satisfaction = ""
        if cut >= 4:
            satisfaction = weighted(rng, {
                "A": [("satisfied", 88), ("basic", 12)],
                "B": [("satisfied", 60), ("basic", 36), ("unsatisfied", 4)],
                "C": [("satisfied", 30), ("basic", 50), ("unsatisfied", 20)],
                "D": [("satisfied", 20), ("basic", 45), ("unsatisfied", 35)],
            }[outcome])
        reply = ""
        if replied_yet:
            year = dates["replied"].year
            reply = REPLIES[outcome].format(unit=UNIT_NAMES[lead_unit], year=year, next_year=year + 1)
        self.rows["proposals"].append({
            "number": number, "session": session, "kind": kind, "title": title, "summary": summary,
            "lead_slug": lead.slug, "cosigner_slugs": [d.slug for d in cosigners], "category": category,
            "key": key, "supervisor_slug": rng.choice(committee).slug if key else "",
            "lead_unit": lead_unit if stage != "submitted" else "",
            "co_units": co_units if stage != "submitted" else [],
            "submitted_on": fmt(dates["submitted"]), "assigned_on": fmt(dates["assigned"]),
            "started_on": fmt(dates["in_progress"]), "replied_on": fmt(dates["replied"]),
            "evaluated_on": fmt(dates["evaluated"]), "closed_on": fmt(dates["closed"]),
            "stage": stage, "result": result, "satisfaction": satisfaction, "reply": reply,
        })

    # --- report-backs ---
    def _reports(self, rng, deputies, groups, receptions):
        today = self.today
        county = [d for d in deputies if d.level == "county" and d.status == "active"]
        chosen = rng.sample([d for d in county if d.slug != "zhang-minghua"], 16 + 15)
        zhang = [d for d in county if d.slug == "zhang-minghua"]
        report_groups = rng.sample(groups, 3)
        plan = [(2025, d) for d in chosen[:16]] + [(2025, g) for g in report_groups[:2]]
        plan += [(2026, d) for d in zhang + chosen[16:16 + 15 - len(zhang)]] + [(2026, report_groups[2])]
        led: dict[tuple[str, str], int] = {}
        for p in self.rows["proposals"]:
            if p["kind"] == "suggestion":
                led[(p["lead_slug"], p["session"])] = led.get((p["lead_slug"], p["session"]), 0) + 1
        duty: dict[tuple[str, int], int] = {}
        for r in receptions:
            if r["status"] == "held":
                for slug in r["deputy_slugs"]:
                    duty[(slug, int(r["date"][:4]))] = duty.get((slug, int(r["date"][:4])), 0) + 1
        for year, who in plan:
            last = min(dt.date(year, 12, 20), today - DAY)
            delivered = random_day(rng, dt.date(year, 6, 1) if year == today.year else dt.date(year, 10, 15), last)
            attendees = rng.randint(35, 120)
            ballots = attendees - rng.randint(0, 8)
            unsatisfied = rng.randint(0, 2)
            basic = rng.randint(2, max(3, ballots // 6))
            satisfied = ballots - basic - unsatisfied
            home = who if isinstance(who, Group) else who.group
            venue = rng.choice([home.station.name, f"{rng.choice(home.communities)}党群服务中心会议室"])
            if isinstance(who, Group):
                meta = {"group": who.slug}
                title = f"{who.name}{year}年度履职情况报告"
                body = self._group_report_body(rng, who, year)
            else:
                meta = {"deputy": who.slug}
                title = f"{who.name}代表{year}年度履职情况报告"
                session = "18-1" if year == 2025 else "18-2"
                body = self._deputy_report_body(rng, who, year, session, led.get((who.slug, session), 0),
                                                duty.get((who.slug, year), 0))
            meta.update(year=year, title=title, delivered_on=delivered, venue=venue, attendees=attendees,
                        satisfied=satisfied, basic=basic, unsatisfied=unsatisfied)
            self.reports.append((year, who.slug, meta, body))

    def _deputy_report_body(self, rng, d: Deputy, year, session, led, duty) -> str:
        session_name = next(s["name"] for s in SESSIONS if s["code"] == session)
        concern = SECTORS[d.sector][3]
        topic = rng.choice(RECEPTION_TOPICS)
        community = rng.choice(d.group.communities)
        items = [
            f"出席区{session_name}，认真审议政府工作报告和各项报告，领衔提出建议{led}件；",
            f"在{d.group.station.name}参加接待选民活动{duty or rng.randint(2, 6)}次，收集意见建议{rng.randint(6, 30)}条；",
            f"参加{d.group.name}组织的视察、调研和学习活动{rng.randint(3, 8)}次；",
            f"走访{community}困难群众和企业{rng.randint(5, 20)}户，了解{concern}方面的实际情况。",
        ]
        return (
            f"## 一年来的主要工作\n\n"
            f"{year}年，我作为{self._district_name(d.district_code)}选出的区人大代表，立足{d.sector}岗位，"
            f"围绕{concern}认真履行代表职责，积极参加闭会期间代表活动。\n\n"
            + "".join(f"- {item}\n" for item in items)
            + f"\n## 为民办实事情况\n\n"
            f"在接待选民中，{community}居民多次反映“{topic}”方面的问题。我会同小组其他代表实地察看，"
            f"与有关部门沟通协调，推动问题逐步得到解决，并及时向选民反馈办理进展。\n\n"
            f"## 存在的不足和今后打算\n\n"
            f"受本职工作影响，联系选民的频次和深度还不够。今后我将进一步加强学习，更多地走进{community}"
            f"倾听群众呼声，把群众的意见建议带到人代会上，以实际行动回应选民的期待。\n"
        )

    def _group_report_body(self, rng, g: Group, year) -> str:
        return (
            f"## 小组基本情况\n\n"
            f"{g.name}由{len(g.district_codes)}个选区的{len(g.deputies)}名各级人大代表组成，"
            f"依托{g.station.name}开展活动，组长为{g.leader.name}代表。\n\n"
            f"## {year}年主要工作\n\n"
            f"- 坚持每月接待选民，全年接待选民{rng.randint(150, 400)}人次，收集意见建议{rng.randint(60, 160)}条；\n"
            f"- 每季度开展一次集中视察或调研，形成调研报告{rng.randint(1, 2)}篇；\n"
            f"- 组织代表向原选区选民述职，接受选民评议；\n"
            f"- 跟踪督办民生实事项目{rng.randint(3, 8)}个。\n\n"
            f"## 下一步打算\n\n"
            f"小组将进一步完善代表联系群众制度，推动联络站活动常态化，"
            f"让{g.town}的群众有地方找代表、有渠道提意见。\n"
        )


def _cell(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ";".join(value)
    return str(value)


def _dump_yaml(data) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1000)
