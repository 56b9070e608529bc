;; vector_guard.s: TBs of one module, guest code at 0x10000
;; TB 2
;;   0x10000  vadd.vv v8,v8,v10
;;   0x10004  jalr zero,0(ra)
(module
  (type (;0;) (func (result i32)))
  (type (;1;) (func (param i32) (result i32)))
  (import "env" "mem" (memory (;0;) 1))
  (import "env" "tbl" (table (;0;) 1 funcref))
  (export "2" (func 1))
  (elem (i32.const 2) func 1)
  (func (;0;) (type 1) (param i32) (result i32)
    (local i64 i32 i64 i32 i64 i64 i64 i32 i32 i64 i64 i32 i32 i32 i32 i64 i64 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)
    i32.const 0
    i64.load offset=4104
    local.set 5
    i32.const 0
    i64.load offset=4360
    local.set 16
    block
      block
        block
          loop
            block
              block
                local.get 0
                br_table 0 1 1
              end
              i32.const 0
              i64.load offset=4920
              i64.const 208
              i64.ne
              if
                i32.const 1
                local.set 0
                br 2
              end
              local.get 5
              i64.const 2
              i64.sub
              local.tee 7
              i64.const 0
              i64.lt_s
              if
                i64.const 65536
                local.set 1
                i32.const 3
                local.set 2
                i64.const 0
                local.set 3
                br 3
              end
              local.get 7
              local.set 5
              i32.const 0
              i32.load offset=4940
              i32.const 3
              i32.and
              i32.const 1
              i32.eq
              if
                i64.const 65536
                local.set 1
                i32.const 7
                local.set 2
                i64.const 0
                local.set 3
                br 3
              end
              i32.const 2
              local.set 8
              i32.const 0
              local.set 9
              i32.const 8
              i32.const 1
              local.get 9
              i32.const 0
              local.get 9
              i32.const 0
              i32.gt_s
              select
              i32.shl
              i32.const 1
              i32.sub
              i32.and
              if
                i64.const 65536
                local.set 1
                i32.const 7
                local.set 2
                i64.const 0
                local.set 3
                br 3
              end
              i32.const 8
              i32.const 1
              local.get 9
              i32.const 0
              local.get 9
              i32.const 0
              i32.gt_s
              select
              i32.shl
              i32.const 1
              i32.sub
              i32.and
              if
                i64.const 65536
                local.set 1
                i32.const 7
                local.set 2
                i64.const 0
                local.set 3
                br 3
              end
              i32.const 10
              i32.const 1
              local.get 9
              i32.const 0
              local.get 9
              i32.const 0
              i32.gt_s
              select
              i32.shl
              i32.const 1
              i32.sub
              i32.and
              if
                i64.const 65536
                local.set 1
                i32.const 7
                local.set 2
                i64.const 0
                local.set 3
                br 3
              end
              i32.const 0
              i32.load offset=4928
              i32.eqz
              i32.const 0
              i64.load offset=4912
              i64.const 4
              i64.eq
              i32.and
              if
                i32.const 1
                local.get 9
                i32.shl
                local.set 13
                i32.const 0
                local.set 12
                loop
                  i32.const 8
                  local.get 12
                  i32.add
                  i32.const 4
                  i32.shl
                  i32.const 8
                  local.get 12
                  i32.add
                  i32.const 4
                  i32.shl
                  v128.load offset=4944
                  i32.const 10
                  local.get 12
                  i32.add
                  i32.const 4
                  i32.shl
                  v128.load offset=4944
                  i32x4.add
                  v128.store offset=4944
                  local.get 12
                  i32.const 1
                  i32.add
                  local.tee 12
                  local.get 13
                  i32.lt_u
                  br_if 0
                end
              else
                i32.const 0
                i32.load offset=4928
                local.set 14
                i32.const 0
                i64.load offset=4912
                i32.wrap_i64
                local.set 15
                block
                  loop
                    local.get 14
                    local.get 15
                    i32.ge_u
                    br_if 1
                    i32.const 8
                    i32.const 4
                    i32.shl
                    local.get 14
                    i32.const 2
                    i32.shl
                    i32.add
                    i32.const 8
                    i32.const 4
                    i32.shl
                    local.get 14
                    i32.const 2
                    i32.shl
                    i32.add
                    i64.load32_u offset=4944
                    i32.const 10
                    i32.const 4
                    i32.shl
                    local.get 14
                    i32.const 2
                    i32.shl
                    i32.add
                    i64.load32_u offset=4944
                    i64.add
                    i64.store32 offset=4944
                    local.get 14
                    i32.const 1
                    i32.add
                    local.set 14
                    br 0
                  end
                end
                i32.const 0
                i32.const 0
                i32.store offset=4928
              end
              local.get 16
              i64.const -2
              i64.and
              local.set 11
              i64.const 65544
              drop
              local.get 11
              local.set 1
              br 3
            end
            local.get 5
            i64.const 2
            i64.sub
            local.tee 11
            i64.const 0
            i64.lt_s
            if
              i64.const 65536
              local.set 1
              i32.const 3
              local.set 2
              i64.const 0
              local.set 3
              br 2
            end
            local.get 11
            local.set 5
            i32.const 0
            i32.load offset=4940
            i32.const 3
            i32.and
            i32.const 1
            i32.eq
            if
              i64.const 65536
              local.set 1
              i32.const 7
              local.set 2
              i64.const 0
              local.set 3
              br 2
            end
            i32.const 0
            i64.load offset=4920
            local.tee 11
            i64.const 0
            i64.lt_s
            if
              i64.const 65536
              local.set 1
              i32.const 7
              local.set 2
              i64.const 0
              local.set 3
              br 2
            end
            local.get 11
            i32.wrap_i64
            i32.const 3
            i32.shr_u
            i32.const 7
            i32.and
            local.set 15
            local.get 11
            i32.wrap_i64
            i32.const 7
            i32.and
            local.set 14
            local.get 14
            i32.const 29
            i32.shl
            i32.const 29
            i32.shr_s
            local.set 14
            i32.const 8
            i32.const 1
            local.get 14
            i32.const 0
            local.get 14
            i32.const 0
            i32.gt_s
            select
            i32.shl
            i32.const 1
            i32.sub
            i32.and
            if
              i64.const 65536
              local.set 1
              i32.const 7
              local.set 2
              i64.const 0
              local.set 3
              br 2
            end
            i32.const 8
            i32.const 1
            local.get 14
            i32.const 0
            local.get 14
            i32.const 0
            i32.gt_s
            select
            i32.shl
            i32.const 1
            i32.sub
            i32.and
            if
              i64.const 65536
              local.set 1
              i32.const 7
              local.set 2
              i64.const 0
              local.set 3
              br 2
            end
            i32.const 10
            i32.const 1
            local.get 14
            i32.const 0
            local.get 14
            i32.const 0
            i32.gt_s
            select
            i32.shl
            i32.const 1
            i32.sub
            i32.and
            if
              i64.const 65536
              local.set 1
              i32.const 7
              local.set 2
              i64.const 0
              local.set 3
              br 2
            end
            block
              block
                block
                  block
                    block
                      local.get 15
                      br_table 0 1 2 3 3
                    end
                    i32.const 0
                    i32.load offset=4928
                    i32.eqz
                    local.get 14
                    i32.const 0
                    i32.ge_s
                    i32.and
                    i32.const 0
                    i64.load offset=4912
                    i32.const 16
                    local.get 14
                    i32.shl
                    local.get 15
                    i32.shr_u
                    i64.extend_i32_u
                    i64.eq
                    i32.and
                    if
                      i32.const 1
                      local.get 14
                      i32.shl
                      local.set 12
                      i32.const 0
                      local.set 13
                      loop
                        i32.const 8
                        local.get 13
                        i32.add
                        i32.const 4
                        i32.shl
                        i32.const 8
                        local.get 13
                        i32.add
                        i32.const 4
                        i32.shl
                        v128.load offset=4944
                        i32.const 10
                        local.get 13
                        i32.add
                        i32.const 4
                        i32.shl
                        v128.load offset=4944
                        i8x16.add
                        v128.store offset=4944
                        local.get 13
                        i32.const 1
                        i32.add
                        local.tee 13
                        local.get 12
                        i32.lt_u
                        br_if 0
                      end
                    else
                      i32.const 0
                      i32.load offset=4928
                      local.set 9
                      i32.const 0
                      i64.load offset=4912
                      i32.wrap_i64
                      local.set 8
                      block
                        loop
                          local.get 9
                          local.get 8
                          i32.ge_u
                          br_if 1
                          i32.const 8
                          i32.const 4
                          i32.shl
                          local.get 9
                          i32.add
                          i32.const 8
                          i32.const 4
                          i32.shl
                          local.get 9
                          i32.add
                          i64.load8_u offset=4944
                          i32.const 10
                          i32.const 4
                          i32.shl
                          local.get 9
                          i32.add
                          i64.load8_u offset=4944
                          i64.add
                          i64.store8 offset=4944
                          local.get 9
                          i32.const 1
                          i32.add
                          local.set 9
                          br 0
                        end
                      end
                      i32.const 0
                      i32.const 0
                      i32.store offset=4928
                    end
                    br 3
                  end
                  i32.const 0
                  i32.load offset=4928
                  i32.eqz
                  local.get 14
                  i32.const 0
                  i32.ge_s
                  i32.and
                  i32.const 0
                  i64.load offset=4912
                  i32.const 16
                  local.get 14
                  i32.shl
                  local.get 15
                  i32.shr_u
                  i64.extend_i32_u
                  i64.eq
                  i32.and
                  if
                    i32.const 1
                    local.get 14
                    i32.shl
                    local.set 19
                    i32.const 0
                    local.set 18
                    loop
                      i32.const 8
                      local.get 18
                      i32.add
                      i32.const 4
                      i32.shl
                      i32.const 8
                      local.get 18
                      i32.add
                      i32.const 4
                      i32.shl
                      v128.load offset=4944
                      i32.const 10
                      local.get 18
                      i32.add
                      i32.const 4
                      i32.shl
                      v128.load offset=4944
                      i16x8.add
                      v128.store offset=4944
                      local.get 18
                      i32.const 1
                      i32.add
                      local.tee 18
                      local.get 19
                      i32.lt_u
                      br_if 0
                    end
                  else
                    i32.const 0
                    i32.load offset=4928
                    local.set 20
                    i32.const 0
                    i64.load offset=4912
                    i32.wrap_i64
                    local.set 21
                    block
                      loop
                        local.get 20
                        local.get 21
                        i32.ge_u
                        br_if 1
                        i32.const 8
                        i32.const 4
                        i32.shl
                        local.get 20
                        i32.const 1
                        i32.shl
                        i32.add
                        i32.const 8
                        i32.const 4
                        i32.shl
                        local.get 20
                        i32.const 1
                        i32.shl
                        i32.add
                        i64.load16_u offset=4944
                        i32.const 10
                        i32.const 4
                        i32.shl
                        local.get 20
                        i32.const 1
                        i32.shl
                        i32.add
                        i64.load16_u offset=4944
                        i64.add
                        i64.store16 offset=4944
                        local.get 20
                        i32.const 1
                        i32.add
                        local.set 20
                        br 0
                      end
                    end
                    i32.const 0
                    i32.const 0
                    i32.store offset=4928
                  end
                  br 2
                end
                i32.const 0
                i32.load offset=4928
                i32.eqz
                local.get 14
                i32.const 0
                i32.ge_s
                i32.and
                i32.const 0
                i64.load offset=4912
                i32.const 16
                local.get 14
                i32.shl
                local.get 15
                i32.shr_u
                i64.extend_i32_u
                i64.eq
                i32.and
                if
                  i32.const 1
                  local.get 14
                  i32.shl
                  local.set 23
                  i32.const 0
                  local.set 22
                  loop
                    i32.const 8
                    local.get 22
                    i32.add
                    i32.const 4
                    i32.shl
                    i32.const 8
                    local.get 22
                    i32.add
                    i32.const 4
                    i32.shl
                    v128.load offset=4944
                    i32.const 10
                    local.get 22
                    i32.add
                    i32.const 4
                    i32.shl
                    v128.load offset=4944
                    i32x4.add
                    v128.store offset=4944
                    local.get 22
                    i32.const 1
                    i32.add
                    local.tee 22
                    local.get 23
                    i32.lt_u
                    br_if 0
                  end
                else
                  i32.const 0
                  i32.load offset=4928
                  local.set 24
                  i32.const 0
                  i64.load offset=4912
                  i32.wrap_i64
                  local.set 25
                  block
                    loop
                      local.get 24
                      local.get 25
                      i32.ge_u
                      br_if 1
                      i32.const 8
                      i32.const 4
                      i32.shl
                      local.get 24
                      i32.const 2
                      i32.shl
                      i32.add
                      i32.const 8
                      i32.const 4
                      i32.shl
                      local.get 24
                      i32.const 2
                      i32.shl
                      i32.add
                      i64.load32_u offset=4944
                      i32.const 10
                      i32.const 4
                      i32.shl
                      local.get 24
                      i32.const 2
                      i32.shl
                      i32.add
                      i64.load32_u offset=4944
                      i64.add
                      i64.store32 offset=4944
                      local.get 24
                      i32.const 1
                      i32.add
                      local.set 24
                      br 0
                    end
                  end
                  i32.const 0
                  i32.const 0
                  i32.store offset=4928
                end
                br 1
              end
              i32.const 0
              i32.load offset=4928
              i32.eqz
              local.get 14
              i32.const 0
              i32.ge_s
              i32.and
              i32.const 0
              i64.load offset=4912
              i32.const 16
              local.get 14
              i32.shl
              local.get 15
              i32.shr_u
              i64.extend_i32_u
              i64.eq
              i32.and
              if
                i32.const 1
                local.get 14
                i32.shl
                local.set 27
                i32.const 0
                local.set 26
                loop
                  i32.const 8
                  local.get 26
                  i32.add
                  i32.const 4
                  i32.shl
                  i32.const 8
                  local.get 26
                  i32.add
                  i32.const 4
                  i32.shl
                  v128.load offset=4944
                  i32.const 10
                  local.get 26
                  i32.add
                  i32.const 4
                  i32.shl
                  v128.load offset=4944
                  i64x2.add
                  v128.store offset=4944
                  local.get 26
                  i32.const 1
                  i32.add
                  local.tee 26
                  local.get 27
                  i32.lt_u
                  br_if 0
                end
              else
                i32.const 0
                i32.load offset=4928
                local.set 28
                i32.const 0
                i64.load offset=4912
                i32.wrap_i64
                local.set 29
                block
                  loop
                    local.get 28
                    local.get 29
                    i32.ge_u
                    br_if 1
                    i32.const 8
                    i32.const 4
                    i32.shl
                    local.get 28
                    i32.const 3
                    i32.shl
                    i32.add
                    i32.const 8
                    i32.const 4
                    i32.shl
                    local.get 28
                    i32.const 3
                    i32.shl
                    i32.add
                    i64.load offset=4944
                    i32.const 10
                    i32.const 4
                    i32.shl
                    local.get 28
                    i32.const 3
                    i32.shl
                    i32.add
                    i64.load offset=4944
                    i64.add
                    i64.store offset=4944
                    local.get 28
                    i32.const 1
                    i32.add
                    local.set 28
                    br 0
                  end
                end
                i32.const 0
                i32.const 0
                i32.store offset=4928
              end
            end
            local.get 16
            i64.const -2
            i64.and
            local.set 17
            i64.const 65544
            drop
            local.get 17
            local.set 1
            br 2
          end
          unreachable
        end
        i32.const 0
        local.get 5
        i64.store offset=4104
        i32.const 0
        local.get 1
        i64.store offset=4864
        i32.const 0
        local.get 3
        i64.store offset=4096
        local.get 2
        return
      end
      i32.const 0
      local.get 5
      i64.store offset=4104
      i32.const 0
      local.get 1
      i64.store offset=4864
      local.get 1
      local.get 1
      i64.const 16
      i64.shr_u
      i64.xor
      i32.wrap_i64
      i32.const 1
      i32.shr_u
      i32.const 65535
      i32.and
      i32.const 4
      i32.shl
      local.tee 29
      i64.load offset=1048576
      local.get 1
      i64.eq
      if
        local.get 29
        i32.load offset=1048584
        local.tee 28
        if
          local.get 28
          return_call_indirect (type 0)
        end
      end
      i32.const 0
      i32.load offset=4140
      local.tee 28
      if
        local.get 28
        return_call_indirect (type 0)
      end
      i32.const 2
      return
    end
    i32.const 0
    local.get 5
    i64.store offset=4104
    i32.const 0
    local.get 1
    i64.store offset=4864
    local.get 4
    i32.load
    local.tee 27
    if
      local.get 27
      return_call_indirect (type 0)
    end
    i32.const 0
    local.get 4
    i32.const 131072
    i32.sub
    i32.const 3
    i32.shr_u
    i32.store offset=4128
    i32.const 0
    local.get 4
    i32.const 131072
    i32.sub
    i32.const 2
    i32.shr_u
    i32.const 1
    i32.and
    i32.store offset=4132
    i32.const 1
    return
    unreachable
  )
  (func (;1;) (type 0) (result i32)
    i32.const 0
    return_call 0
  )
)
